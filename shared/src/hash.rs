//! Hash maps and sets for what is rebuilt with every ticket on each load (the browser's copy of
//! the tickets, the queue index, its words). foldhash instead of the standard library's SipHash,
//! which was a fifth of the work of indexing 50,000 tickets; SipHash's protection against chosen
//! keys is moot in the browser, whose standard hasher is not randomly seeded.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
