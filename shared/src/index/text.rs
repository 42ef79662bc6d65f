//! Free text over 100,000 tickets: descriptions alone are tens of megabytes, far too much to scan
//! per keystroke. Each distinct word maps to the sorted slots of the tickets that contain it, and
//! the vocabulary is ordered, so a word prefix is a range of it; each ticket keeps its words in
//! order (as word numbers) so phrases are checked without the text.

use super::bits::Bits;
use crate::filter::{each_word, normalize, text_fields};
use crate::hash::HashMap;
use crate::ticket::Ticket;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub(super) struct TextIndex {
    /// Word → its number, for looking words up.
    numbers: HashMap<Box<str>, u32>,
    /// The same, ordered, for prefixes.
    vocabulary: BTreeMap<Box<str>, u32>,
    /// Word number → ascending slots that contain it.
    postings: Vec<Vec<u32>>,
    /// Slot → its words in order, as numbers.
    sequences: Vec<Box<[u32]>>,
    /// The postings of common words also as bitsets: a prefix such as "re" covers most tickets,
    /// and or-ing bitsets is far cheaper than setting one bit per posting.
    dense: Vec<Option<Bits>>,
}

/// From this many postings on, a word also keeps a bitset (few in tests, so they take both paths).
#[cfg(not(test))]
const DENSE: usize = 1_024;
#[cfg(test)]
const DENSE: usize = 24;

impl TextIndex {
    /// Indexes `ticket` at `slot`, replacing what the slot held.
    pub(super) fn set(&mut self, slot: u32, ticket: Option<&Ticket>) {
        let s = slot as usize;
        if self.sequences.len() <= s {
            self.sequences.resize_with(s + 1, Default::default);
        }
        let old = std::mem::take(&mut self.sequences[s]);
        let mut sequence = Vec::new();
        for field in ticket.into_iter().flat_map(text_fields) {
            each_word(field, |word| sequence.push(self.word_number(word)));
        }
        let sequence: Box<[u32]> = sequence.into();
        let mut old_set: Vec<u32> = old.to_vec();
        old_set.sort_unstable();
        old_set.dedup();
        let mut new_set: Vec<u32> = sequence.to_vec();
        new_set.sort_unstable();
        new_set.dedup();
        for w in &old_set {
            if new_set.binary_search(w).is_err() {
                let list = &mut self.postings[*w as usize];
                if let Ok(i) = list.binary_search(&slot) {
                    list.remove(i);
                }
                if let Some(bits) = &mut self.dense[*w as usize] {
                    bits.clear(s);
                }
            }
        }
        for w in &new_set {
            if old_set.binary_search(w).is_err() {
                let list = &mut self.postings[*w as usize];
                // Loading in slot order appends; later changes insert in place.
                match list.last() {
                    Some(&last) if last >= slot => {
                        if let Err(i) = list.binary_search(&slot) {
                            list.insert(i, slot);
                        }
                    }
                    _ => list.push(slot),
                }
                let dense = &mut self.dense[*w as usize];
                if let Some(bits) = dense {
                    bits.grow(s + 1);
                    bits.set(s);
                } else if list.len() >= DENSE {
                    let mut bits = Bits::new(s + 1);
                    for &p in list.iter() {
                        bits.grow(p as usize + 1);
                        bits.set(p as usize);
                    }
                    *dense = Some(bits);
                }
            }
        }
        self.sequences[s] = sequence;
    }

    fn word_number(&mut self, word: &str) -> u32 {
        if let Some(&n) = self.numbers.get(word) {
            return n;
        }
        let n = self.postings.len() as u32;
        let word: Box<str> = word.into();
        self.numbers.insert(word.clone(), n);
        self.vocabulary.insert(word, n);
        self.postings.push(Vec::new());
        self.dense.push(None);
        n
    }

    /// Word numbers of the words starting with `prefix`.
    fn starting_with<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = u32> + 'a {
        self.vocabulary
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(w, _)| w.starts_with(prefix))
            .map(|(_, &n)| n)
    }

    /// The slots whose text holds `term` at the start of a word (`crate::filter::contains_term`),
    /// within `within`.
    pub(super) fn matching(&self, term: &str, within: &Bits) -> Bits {
        let term = normalize(term);
        let parts: Vec<&str> = term.split(' ').filter(|w| !w.is_empty()).collect();
        let Some((last, earlier)) = parts.split_last() else {
            return within.clone();
        };
        // The last word may be a prefix; the words before it are whole words.
        let mut hits = Bits::new(within.len());
        for n in self.starting_with(last) {
            match &self.dense[n as usize] {
                Some(bits) => hits.or(bits),
                None => {
                    for &slot in &self.postings[n as usize] {
                        hits.set(slot as usize);
                    }
                }
            }
        }
        hits.and(within);
        if earlier.is_empty() {
            return hits;
        }
        let mut whole = Vec::with_capacity(earlier.len());
        for w in earlier {
            match self.numbers.get(*w) {
                Some(&n) => whole.push(n),
                None => return Bits::new(within.len()),
            }
        }
        let mut narrowed = Bits::new(within.len());
        for &slot in &self.postings[whole[0] as usize] {
            if hits.get(slot as usize) {
                narrowed.set(slot as usize);
            }
        }
        let last_numbers: Vec<u32> = {
            let mut v: Vec<u32> = self.starting_with(last).collect();
            v.sort_unstable();
            v
        };
        narrowed.retain(|slot| {
            self.sequences[slot].windows(parts.len()).any(|window| {
                window[..whole.len()] == whole[..]
                    && last_numbers.binary_search(&window[whole.len()]).is_ok()
            })
        });
        narrowed
    }
}
