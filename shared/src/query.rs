//! The query language of the filter bar, e.g. `status:open,pending priority:urgent assignee:me
//! tag:billing sla:warning created:>2026-01-01 "refund"`.
//!
//! [`parse()`] reads a query into a [`Filter`] and [`print()`] writes a filter as its canonical
//! query, so the query box and the filter controls are two views of one value:
//! `parse(&print(f, ws), ws) == Ok(f)` for every filter built from the workspace's values.
//!
//! ```text
//! query  = term*                          terms are separated by whitespace
//! term   = key ":" value ("," value)*     values of one term are alternatives
//!        | quoted | word                  free text (a quoted term is a phrase)
//! value  = quoted | bare                  bare: no whitespace, comma, colon or quote
//! quoted = '"' (char | '\"' | '\\')* '"'
//! ```
//!
//! - Keys are case-insensitive; `ref` is also `reference`. Names (statuses, types, agents, teams,
//!   tags) are case-insensitive; an exact spelling wins over a case-insensitive one, and a
//!   status id wins over a label, so every status stays reachable when labels repeat.
//! - Agents, teams and tags may also be written as their UUID, which is how [`print()`] writes one
//!   whose name does not name it alone (two agents called "Ana", a team called "none").
//! - Repeated list keys merge, keeping the first occurrence of each value; every `tag:` term is a
//!   group of its own (`tag:a,b tag:c` is (a or b) and c). The single-valued keys (`in`,
//!   `created`, `updated`, `completed_in`, `unassigned`, `email`, `phone`, `ref`) may appear once:
//!   merging two ranges would silently guess what was meant.
//! - `in:` picks the [`Scope`]: `in:archived`, `in:snoozed`, `in:trash` (spam and deleted), or
//!   `in:active`, the working queues, which is also what a query without `in:` means.
//! - Dates are whole days: `D`, `>D`, `>=D`, `<D`, `<=D`, `A..B`, `A..`, `..B`, all inclusive.
//!   Durations take the same forms with a unit (`s`, `m`, `h`, `d`, `w`); a bare duration `2h`
//!   means `<=2h`, and `any` asks only that the ticket be completed (or unassigned).
//!   Ranges that end before they start are kept as written: they match nothing.
//! - [`print()`] writes keys in the order unknown-filter errors list them (in, status, category,
//!   ..., show), leaving out `in:active`, then the free text; values in the filter's order, bare
//!   when they read back unquoted and quoted otherwise; a status by label unless the label names
//!   another status too, then by id; an agent by name, else email, else UUID. Ranges come out
//!   as `D`, `>=D`, `<=D` or `A..B`; durations in the largest unit that divides them (`90m`,
//!   `3601s`).
//! - Not expressible: an empty tag group (`tags: vec![vec![]]`, which matches nothing) is left out
//!   by [`print()`]; a status or type the workspace no longer has is printed but will not parse.

use crate::filter::{DateRange, DurationRange, Filter, Scope, Who};
use crate::sla::SlaFilter;
use crate::status::{StatusCategory, StatusId};
use crate::ticket::{Channel, Priority};
use crate::workspace::Workspace;
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

#[cfg(test)]
mod tests;

/// A query that cannot be read: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    /// Where the offending text starts: 1-based, counted in characters.
    pub column: usize,
    /// What is wrong and what was expected, as a sentence.
    pub message: String,
}

/// Reads a query typed in the filter bar.
pub fn parse(text: &str, workspace: &Workspace) -> Result<Filter, QueryError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
        ws: workspace,
        filter: Filter::default(),
        given: Vec::new(),
    };
    while parser.skip_space() {
        parser.term()?;
    }
    Ok(parser.filter)
}

/// Writes `filter` as the canonical query: keys in a fixed order, then free text.
pub fn print(filter: &Filter, workspace: &Workspace) -> String {
    let ws = workspace;
    let mut terms = Vec::new();
    let mut list = |key: Key, values: Vec<String>| {
        if !values.is_empty() {
            terms.push(format!("{}:{}", key.name(), values.join(",")));
        }
    };
    if filter.scope != Scope::Active {
        list(Key::In, vec![filter.scope.name().to_owned()]);
    }
    list(
        Key::Status,
        filter.statuses.iter().map(|s| status_text(ws, s)).collect(),
    );
    list(
        Key::Category,
        filter
            .categories
            .iter()
            .map(|&c| StatusCategory::name(c).to_owned())
            .collect(),
    );
    list(
        Key::Priority,
        filter
            .priorities
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
    );
    list(
        Key::Type,
        filter.types.iter().map(|t| value_text(t)).collect(),
    );
    list(
        Key::Channel,
        filter
            .channels
            .iter()
            .map(|&c| Channel::name(c).to_owned())
            .collect(),
    );
    list(
        Key::Assignee,
        filter
            .assignees
            .iter()
            .map(|&w| agent_text(ws, w))
            .collect(),
    );
    list(
        Key::Team,
        filter.teams.iter().map(|&t| team_text(ws, t)).collect(),
    );
    for group in &filter.tags {
        list(Key::Tag, group.iter().map(|&t| tag_text(ws, t)).collect());
    }
    list(
        Key::Sla,
        filter.sla.iter().map(|s| s.name().to_owned()).collect(),
    );
    list(
        Key::Created,
        date_range_text(filter.created).into_iter().collect(),
    );
    list(
        Key::Updated,
        date_range_text(filter.updated).into_iter().collect(),
    );
    list(
        Key::CompletedIn,
        filter
            .time_to_complete
            .map(duration_range_text)
            .into_iter()
            .collect(),
    );
    list(
        Key::Unassigned,
        filter
            .time_unassigned
            .map(duration_range_text)
            .into_iter()
            .collect(),
    );
    list(
        Key::Email,
        filter
            .email
            .as_deref()
            .map(value_text)
            .into_iter()
            .collect(),
    );
    list(
        Key::Phone,
        filter
            .phone
            .as_deref()
            .map(value_text)
            .into_iter()
            .collect(),
    );
    list(
        Key::Ref,
        filter
            .reference
            .as_deref()
            .map(value_text)
            .into_iter()
            .collect(),
    );
    if filter.show_completed {
        list(Key::Show, vec!["completed".to_owned()]);
    }
    terms.extend(filter.text.iter().map(|t| value_text(t)));
    terms.join(" ")
}

/// A filter name, before the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    In,
    Status,
    Category,
    Priority,
    Type,
    Channel,
    Assignee,
    Team,
    Tag,
    Sla,
    Created,
    Updated,
    CompletedIn,
    Unassigned,
    Email,
    Phone,
    Ref,
    Show,
}

impl Key {
    /// Every key, in the order [`print()`] writes them.
    const ALL: [Key; 18] = [
        Key::In,
        Key::Status,
        Key::Category,
        Key::Priority,
        Key::Type,
        Key::Channel,
        Key::Assignee,
        Key::Team,
        Key::Tag,
        Key::Sla,
        Key::Created,
        Key::Updated,
        Key::CompletedIn,
        Key::Unassigned,
        Key::Email,
        Key::Phone,
        Key::Ref,
        Key::Show,
    ];

    fn name(self) -> &'static str {
        match self {
            Key::In => "in",
            Key::Status => "status",
            Key::Category => "category",
            Key::Priority => "priority",
            Key::Type => "type",
            Key::Channel => "channel",
            Key::Assignee => "assignee",
            Key::Team => "team",
            Key::Tag => "tag",
            Key::Sla => "sla",
            Key::Created => "created",
            Key::Updated => "updated",
            Key::CompletedIn => "completed_in",
            Key::Unassigned => "unassigned",
            Key::Email => "email",
            Key::Phone => "phone",
            Key::Ref => "ref",
            Key::Show => "show",
        }
    }

    fn from_name(name: &str) -> Option<Key> {
        let name = name.to_lowercase().replace('-', "_");
        if name == "reference" {
            return Some(Key::Ref);
        }
        Key::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One value of a `key:` term.
struct Value {
    text: String,
    /// Char index where the value starts (its opening quote, if quoted).
    at: usize,
    quoted: bool,
}

impl Value {
    /// A lookup's complaint, pointed at this value.
    fn check<T>(&self, looked_up: Result<T, String>) -> Result<T, QueryError> {
        looked_up.map_err(|message| error(self.at, message))
    }

    /// Char index of the `offset`-th char of the text; a quoted value is pointed at as a whole,
    /// since escapes make its inner positions differ from the source.
    fn index(&self, offset: usize) -> usize {
        if self.quoted {
            self.at
        } else {
            self.at.saturating_add(offset)
        }
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    ws: &'a Workspace,
    filter: Filter,
    /// Single-valued keys already given, with the index of their term.
    given: Vec<(Key, usize)>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_term_end(&self) -> bool {
        self.peek().is_none_or(char::is_whitespace)
    }

    /// Skips whitespace; false at the end of the query.
    fn skip_space(&mut self) -> bool {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos < self.chars.len()
    }

    /// The source from `start` to `end`, shortened from the left to stay readable in a message.
    fn source(&self, start: usize, end: usize) -> String {
        const MOST: usize = 40;
        let end = end.min(self.chars.len());
        let start = start.min(end);
        if end - start > MOST {
            let tail: String = self.chars[end - (MOST - 1)..end].iter().collect();
            format!("…{tail}")
        } else {
            self.chars[start..end].iter().collect()
        }
    }

    fn term(&mut self) -> Result<(), QueryError> {
        let start = self.pos;
        if self.peek() == Some('"') {
            let phrase = self.quoted()?;
            if !self.at_term_end() {
                return Err(error(self.pos, "expected a space after the closing quote"));
            }
            self.filter.text.push(phrase);
            return Ok(());
        }
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && c != ':' && c != '"')
        {
            self.pos += 1;
        }
        match self.peek() {
            Some(':') => {
                let key = self.source(start, self.pos);
                self.pos += 1;
                self.keyed(start, &key)
            }
            Some('"') => Err(error(
                self.pos,
                "a quote cannot start inside a word; put the whole term in quotes, like \"refund request\"",
            )),
            _ => {
                let word = self.chars[start..self.pos].iter().collect();
                self.filter.text.push(word);
                Ok(())
            }
        }
    }

    /// Reads a quoted string at the cursor, without its quotes and with escapes resolved.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(error(open, "unterminated quote; close it with another \""));
                }
                Some('"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some('\\') => match self.chars.get(self.pos + 1) {
                    Some(&c @ ('"' | '\\')) => {
                        text.push(c);
                        self.pos += 2;
                    }
                    // Any other backslash is literal, so pasted paths survive.
                    _ => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn keyed(&mut self, start: usize, key_text: &str) -> Result<(), QueryError> {
        if key_text.is_empty() {
            return Err(error(
                start,
                "expected a filter name before \":\", like status:open",
            ));
        }
        let Some(key) = Key::from_name(key_text) else {
            let keys: Vec<_> = Key::ALL.iter().map(|k| k.name()).collect();
            return Err(error(
                start,
                format!(
                    "unknown filter \"{key_text}\"; expected {}",
                    keys.join(", ")
                ),
            ));
        };
        let values = self.values(start)?;
        self.apply(key, start, values)
    }

    /// Reads the comma-separated values after `key:`.
    fn values(&mut self, start: usize) -> Result<Vec<Value>, QueryError> {
        let mut values = Vec::new();
        loop {
            let at = self.pos;
            match self.peek() {
                Some('"') => {
                    let text = self.quoted()?;
                    values.push(Value {
                        text,
                        at,
                        quoted: true,
                    });
                }
                Some(c) if !c.is_whitespace() && c != ',' => {
                    while self
                        .peek()
                        .is_some_and(|c| !c.is_whitespace() && !matches!(c, ',' | ':' | '"'))
                    {
                        self.pos += 1;
                    }
                    match self.peek() {
                        Some('"') => {
                            return Err(error(
                                self.pos,
                                "a quote cannot start inside a value; put the whole value in quotes, like status:\"in progress\"",
                            ));
                        }
                        Some(':') => {
                            return Err(error(
                                self.pos,
                                "unexpected \":\" in a value; put a value that holds a colon in quotes, like ref:\"a:b\"",
                            ));
                        }
                        _ => {}
                    }
                    values.push(Value {
                        text: self.chars[at..self.pos].iter().collect(),
                        at,
                        quoted: false,
                    });
                }
                _ => {
                    return Err(error(
                        at,
                        format!("expected a value after \"{}\"", self.source(start, at)),
                    ));
                }
            }
            match self.peek() {
                Some(',') => self.pos += 1,
                None => return Ok(values),
                Some(c) if c.is_whitespace() => return Ok(values),
                Some(_) => {
                    return Err(error(
                        self.pos,
                        "expected a comma or a space after the closing quote",
                    ));
                }
            }
        }
    }

    fn apply(&mut self, key: Key, start: usize, values: Vec<Value>) -> Result<(), QueryError> {
        let ws = self.ws;
        let f = &mut self.filter;
        match key {
            Key::Status => merge(&mut f.statuses, &values, |t| status(ws, t))?,
            Key::Category => merge(&mut f.categories, &values, category)?,
            Key::Priority => merge(&mut f.priorities, &values, priority)?,
            Key::Type => merge(&mut f.types, &values, |t| ticket_type(ws, t))?,
            Key::Channel => merge(&mut f.channels, &values, channel)?,
            Key::Assignee => merge(&mut f.assignees, &values, |t| agent(ws, t))?,
            Key::Team => merge(&mut f.teams, &values, |t| team(ws, t))?,
            Key::Tag => {
                let mut group = Vec::new();
                merge(&mut group, &values, |t| tag(ws, t))?;
                f.tags.push(group);
            }
            Key::Sla => merge(&mut f.sla, &values, sla)?,
            Key::In => {
                let v = self.single(key, start, values)?;
                self.filter.scope = v.check(scope(&v.text))?;
            }
            Key::Show => {
                for v in &values {
                    if squash(&v.text) != "completed" {
                        return Err(error(
                            v.at,
                            format!(
                                "unknown option \"{}\"; expected show:completed",
                                Short(&v.text)
                            ),
                        ));
                    }
                }
                f.show_completed = true;
            }
            Key::Created | Key::Updated => {
                let v = self.single(key, start, values)?;
                let range = self.date_range(start, &v)?;
                if key == Key::Created {
                    self.filter.created = range;
                } else {
                    self.filter.updated = range;
                }
            }
            Key::CompletedIn | Key::Unassigned => {
                let v = self.single(key, start, values)?;
                let range = self.duration_range(start, &v)?;
                if key == Key::CompletedIn {
                    self.filter.time_to_complete = Some(range);
                } else {
                    self.filter.time_unassigned = Some(range);
                }
            }
            Key::Email | Key::Phone | Key::Ref => {
                let v = self.single(key, start, values)?;
                let slot = match key {
                    Key::Email => &mut self.filter.email,
                    Key::Phone => &mut self.filter.phone,
                    _ => &mut self.filter.reference,
                };
                *slot = Some(v.text);
            }
        }
        Ok(())
    }

    /// The one value of a single-valued key, which must not have been given before.
    fn single(&mut self, key: Key, start: usize, values: Vec<Value>) -> Result<Value, QueryError> {
        let name = key.name();
        let hint = match key {
            Key::Created | Key::Updated => {
                format!("write one range instead, like {name}:2026-01-01..2026-01-31")
            }
            Key::CompletedIn | Key::Unassigned => {
                format!("write one range instead, like {name}:1h..1d")
            }
            Key::In => "a ticket is in one place at a time; keep one".to_owned(),
            _ => format!("keep one, and quote a {name} that holds a comma"),
        };
        if let Some(&(_, first)) = self.given.iter().find(|(k, _)| *k == key) {
            return Err(error(
                start,
                format!(
                    "{name} is already given at column {}; {hint}",
                    first.saturating_add(1)
                ),
            ));
        }
        self.given.push((key, start));
        let mut values = values.into_iter();
        let first = values.next();
        if let Some(second) = values.next() {
            return Err(error(second.at, format!("{name} takes one value; {hint}")));
        }
        // `values` never returns an empty list; the fallback only keeps this free of panics.
        Ok(first.unwrap_or(Value {
            text: String::new(),
            at: start,
            quoted: false,
        }))
    }

    /// Reads `D`, `>D`, `>=D`, `<D`, `<=D`, `A..B`, `A..` or `..B`.
    fn date_range(&self, start: usize, v: &Value) -> Result<DateRange, QueryError> {
        let no_day = |side: &str, d: NaiveDate| {
            format!(
                "there is no day {side} {}; the calendar ends there",
                date_text(d)
            )
        };
        let (from, to) = self.range(
            v,
            ("a date", "2026-01-01..2026-01-31"),
            |offset, text, anchor| self.date(start, v, offset, text, anchor),
            |d| d.succ_opt().ok_or_else(|| no_day("after", d)),
            |d| d.pred_opt().ok_or_else(|| no_day("before", d)),
            |d| (Some(d), Some(d)),
        )?;
        Ok(DateRange { from, to })
    }

    /// Reads a range value of one kind: `X`, `>X`, `>=X`, `<X`, `<=X`, `A..B`, `A..` or `..B`.
    /// `read` reads one bound (its text, where it starts in `v`, and the operator it follows,
    /// for pointing at a missing one); `after` and `before` give the neighbours `>` and `<` mean;
    /// `bare` is what a value without operator asks; `noun` and `example` go into the message
    /// for a bare `..`.
    fn range<T: Copy>(
        &self,
        v: &Value,
        (noun, example): (&str, &str),
        read: impl Fn(usize, &str, usize) -> Result<T, QueryError>,
        after: impl Fn(T) -> Result<T, String>,
        before: impl Fn(T) -> Result<T, String>,
        bare: impl Fn(T) -> (Option<T>, Option<T>),
    ) -> Result<(Option<T>, Option<T>), QueryError> {
        let (op, rest) = split_operator(&v.text);
        if !op.is_empty() {
            let x = read(op.len(), rest, 0)?;
            let at_op = |m: String| error(v.index(op.len()), m);
            return Ok(match op {
                ">" => (Some(after(x).map_err(at_op)?), None),
                ">=" => (Some(x), None),
                "<" => (None, Some(before(x).map_err(at_op)?)),
                _ => (None, Some(x)),
            });
        }
        if let Some((a, b)) = v.text.split_once("..") {
            let dots = a.chars().count();
            if a.is_empty() && b.is_empty() {
                return Err(error(
                    v.at,
                    format!("expected {noun} on at least one side of \"..\", like {example}"),
                ));
            }
            let from = (!a.is_empty()).then(|| read(0, a, 0)).transpose()?;
            let to = (!b.is_empty())
                .then(|| read(dots + 2, b, dots))
                .transpose()?;
            return Ok((from, to));
        }
        Ok(bare(read(0, &v.text, 0)?))
    }

    /// Reads the date `text`, found `offset` chars into `v`; an empty one is reported at
    /// `anchor`, the operator it should have followed.
    fn date(
        &self,
        start: usize,
        v: &Value,
        offset: usize,
        text: &str,
        anchor: usize,
    ) -> Result<NaiveDate, QueryError> {
        let at = if text.is_empty() { anchor } else { offset };
        match parse_date(text) {
            Ok(d) => Ok(d),
            Err(Problem::NoSuchDay) => Err(error(
                v.index(at),
                format!(
                    "{} is not a day on the calendar; expected a date like 2026-01-31",
                    Short(text)
                ),
            )),
            Err(_) => Err(error(
                v.index(at),
                format!(
                    "expected a date like 2026-01-31 after \"{}\"",
                    self.prefix(start, v, offset)
                ),
            )),
        }
    }

    /// Reads `any`, `D`, `>D`, `>=D`, `<D`, `<=D`, `A..B`, `A..` or `..B` (a bare `D` is `<=D`).
    fn duration_range(&self, start: usize, v: &Value) -> Result<DurationRange, QueryError> {
        if squash(&v.text) == "any" {
            return Ok(DurationRange::default());
        }
        let (min, max) = self.range(
            v,
            ("a duration", "1h..1d"),
            |offset, text, anchor| self.duration(start, v, offset, text, anchor),
            |d: i64| {
                d.checked_add(1)
                    .ok_or_else(|| "no duration is longer than that; use a shorter one".to_owned())
            },
            |d| {
                d.checked_sub(1).filter(|&m| m >= 0).ok_or_else(|| {
                    "no duration is shorter than 0s; use <=0s or a longer one".to_owned()
                })
            },
            |d| (None, Some(d)),
        )?;
        Ok(DurationRange { min, max })
    }

    /// Reads the duration `text` in seconds; positions as in [`Parser::date`].
    fn duration(
        &self,
        start: usize,
        v: &Value,
        offset: usize,
        text: &str,
        anchor: usize,
    ) -> Result<i64, QueryError> {
        let at = if text.is_empty() { anchor } else { offset };
        match parse_duration(text) {
            Ok(secs) => Ok(secs),
            Err(Problem::TooLong) => Err(error(
                v.index(at),
                format!("{} is too long a duration; use a shorter one", Short(text)),
            )),
            Err(Problem::NoUnit) => Err(error(
                v.index(at),
                format!(
                    "expected a unit after {short}: s, m, h, d or w, like {short}m",
                    short = Short(text)
                ),
            )),
            Err(_) => Err(error(
                v.index(at),
                format!(
                    "expected a duration like 30m, 2h or 1d after \"{}\"",
                    self.prefix(start, v, offset)
                ),
            )),
        }
    }

    /// The term as written up to `offset` chars into value `v`, for "after ..." in messages.
    fn prefix(&self, start: usize, v: &Value, offset: usize) -> String {
        if v.quoted {
            let head = self.source(start, v.at);
            let inner: String = v.text.chars().take(offset).collect();
            format!("{head}\"{inner}")
        } else {
            self.source(start, v.at.saturating_add(offset))
        }
    }
}

/// Splits a leading `>=`, `<=`, `>` or `<` off a range value.
fn split_operator(text: &str) -> (&str, &str) {
    for op in [">=", "<=", ">", "<"] {
        if let Some(rest) = text.strip_prefix(op) {
            return (op, rest);
        }
    }
    ("", text)
}

/// Why a date or duration could not be read.
enum Problem {
    Syntax,
    NoSuchDay,
    NoUnit,
    TooLong,
}

/// Reads `YYYY-MM-DD`; years outside 0..=9999 carry a sign, as [`date_text`] writes them.
fn parse_date(text: &str) -> Result<NaiveDate, Problem> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut parts = body.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Problem::Syntax);
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, usize::MAX) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return Err(Problem::Syntax);
    }
    let year: i32 = y.parse().map_err(|_| Problem::NoSuchDay)?;
    let year = if negative { -year } else { year };
    let (Ok(month), Ok(day)) = (m.parse(), d.parse()) else {
        return Err(Problem::Syntax);
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or(Problem::NoSuchDay)
}

/// Seconds in each duration unit.
const UNITS: [(char, i64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Reads a whole number followed by one unit, in seconds.
fn parse_duration(text: &str) -> Result<i64, Problem> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(Problem::Syntax);
    }
    if unit.is_empty() {
        return Err(Problem::NoUnit);
    }
    let mut chars = unit.chars();
    let (Some(u), None) = (chars.next(), chars.next()) else {
        return Err(Problem::Syntax);
    };
    let Some(&(_, size)) = UNITS.iter().find(|(c, _)| *c == u.to_ascii_lowercase()) else {
        return Err(Problem::Syntax);
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(size))
        .ok_or(Problem::TooLong)
}

/// An error at char index `index`.
fn error(index: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column: index.saturating_add(1),
        message: message.into(),
    }
}

/// Looks each value up and adds it to `list` unless it is there already.
fn merge<T: PartialEq>(
    list: &mut Vec<T>,
    values: &[Value],
    look_up: impl Fn(&str) -> Result<T, String>,
) -> Result<(), QueryError> {
    for v in values {
        push_unique(list, v.check(look_up(&v.text))?);
    }
    Ok(())
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Lower case without `_`, `-` and spaces, so `on_hold`, `On-hold` and `on hold` compare equal.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// User text in a message, cut short so a pasted essay does not become the message.
struct Short<'a>(&'a str);

impl std::fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MOST: usize = 40;
        match self.0.char_indices().nth(MOST) {
            Some((cut, _)) => write!(f, "{}…", &self.0[..cut]),
            None => f.write_str(self.0),
        }
    }
}

/// "expected one of a, b, c", shortened when the list is long.
fn expected(items: &[String]) -> String {
    const MOST: usize = 12;
    match items.len() {
        0 => "this workspace has none".to_owned(),
        n if n <= MOST => format!("expected one of {}", items.join(", ")),
        n => format!(
            "expected one of {} and {} more",
            items[..MOST - 2].join(", "),
            n - (MOST - 2)
        ),
    }
}

/// The items `pred` picks: none, one, or several.
enum Matches<'a, T> {
    None,
    One(&'a T),
    Many(Vec<&'a T>),
}

fn find_all<'a, T>(items: &'a [T], pred: impl Fn(&T) -> bool) -> Matches<'a, T> {
    let mut hits: Vec<&T> = items.iter().filter(|i| pred(i)).collect();
    match hits.len() {
        0 => Matches::None,
        1 => Matches::One(hits.remove(0)),
        _ => Matches::Many(hits),
    }
}

/// A named enum value by its query name, forgiving case, `_`, `-` and spaces.
fn named<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    what: &str,
    text: &str,
) -> Result<T, String> {
    let want = squash(text);
    all.iter()
        .copied()
        .find(|&t| squash(name(t)) == want)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|&t| name(t).to_owned()).collect();
            format!("no {what} named \"{}\"; {}", Short(text), expected(&names))
        })
}

fn category(text: &str) -> Result<StatusCategory, String> {
    named(
        &StatusCategory::ALL,
        StatusCategory::name,
        "status category",
        text,
    )
}

fn priority(text: &str) -> Result<Priority, String> {
    named(&Priority::ALL, Priority::name, "priority", text)
}

fn channel(text: &str) -> Result<Channel, String> {
    named(&Channel::ALL, Channel::name, "channel", text)
}

fn scope(text: &str) -> Result<Scope, String> {
    named(&Scope::ALL, Scope::name, "place", text)
}

fn sla(text: &str) -> Result<SlaFilter, String> {
    named(&SlaFilter::ALL, SlaFilter::name, "SLA state", text)
}

/// A status by exact id, then by label, then by id in any case. Ids come first because they are
/// unique: with labels first, a status whose label repeats could not be named at all.
fn status(ws: &Workspace, text: &str) -> Result<StatusId, String> {
    if let Some(s) = ws.statuses.iter().find(|s| s.id.as_str() == text) {
        return Ok(s.id.clone());
    }
    match find_all(&ws.statuses, |s| same(&s.label, text)) {
        Matches::One(s) => return Ok(s.id.clone()),
        Matches::Many(many) => {
            let ids: Vec<&str> = many.iter().map(|s| s.id.as_str()).collect();
            return Err(format!(
                "{} statuses are labelled \"{text}\"; write the id of the one you mean: {}",
                many.len(),
                ids.join(", ")
            ));
        }
        Matches::None => {}
    }
    if let Matches::One(s) = find_all(&ws.statuses, |s| same(s.id.as_str(), text)) {
        return Ok(s.id.clone());
    }
    let names: Vec<String> = ws
        .statuses
        .iter()
        .map(|s| {
            let label_repeats = ws
                .statuses
                .iter()
                .filter(|o| same(&o.label, &s.label))
                .count()
                > 1;
            value_text(if label_repeats {
                s.id.as_str()
            } else {
                &s.label
            })
        })
        .collect();
    Err(format!(
        "no status named \"{}\"; {}",
        Short(text),
        expected(&names)
    ))
}

fn ticket_type(ws: &Workspace, text: &str) -> Result<String, String> {
    if let Some(t) = ws.ticket_types.iter().find(|t| *t == text) {
        return Ok(t.clone());
    }
    match find_all(&ws.ticket_types, |t| same(t, text)) {
        Matches::One(t) => Ok(t.clone()),
        Matches::Many(many) => {
            let names: Vec<String> = many.iter().map(|t| value_text(t)).collect();
            Err(format!(
                "\"{text}\" could be any of the types {}; write it with the same capitals as the one you mean",
                names.join(", ")
            ))
        }
        Matches::None => {
            let names: Vec<String> = ws.ticket_types.iter().map(|t| value_text(t)).collect();
            Err(format!(
                "no ticket type named \"{}\"; {}",
                Short(text),
                expected(&names)
            ))
        }
    }
}

/// `me`, `none`, then an agent by full name, email or first name, then by UUID.
fn agent(ws: &Workspace, text: &str) -> Result<Who, String> {
    let lower = text.to_lowercase();
    match lower.as_str() {
        "me" => return Ok(Who::Me),
        "none" => return Ok(Who::Nobody),
        _ => {}
    }
    match find_all(&ws.agents, |a| a.name.to_lowercase() == lower) {
        Matches::One(a) => return Ok(Who::Agent(a.id)),
        Matches::Many(many) => {
            let emails: Vec<&str> = many.iter().map(|a| a.email.as_str()).collect();
            return Err(format!(
                "{} agents are named \"{text}\"; write the email of the one you mean: {}",
                many.len(),
                emails.join(", ")
            ));
        }
        Matches::None => {}
    }
    match find_all(&ws.agents, |a| a.email.to_lowercase() == lower) {
        Matches::One(a) => return Ok(Who::Agent(a.id)),
        Matches::Many(many) => {
            let ids: Vec<String> = many.iter().map(|a| a.id.to_string()).collect();
            return Err(format!(
                "{} agents share the email \"{text}\"; write the id of the one you mean: {}",
                many.len(),
                ids.join(", ")
            ));
        }
        Matches::None => {}
    }
    let first_name = |name: &str| name.split_whitespace().next().map(str::to_lowercase);
    match find_all(&ws.agents, |a| {
        first_name(&a.name).as_deref() == Some(&lower)
    }) {
        Matches::One(a) => return Ok(Who::Agent(a.id)),
        Matches::Many(many) => {
            let names: Vec<String> = many.iter().map(|a| value_text(&a.name)).collect();
            return Err(format!(
                "\"{text}\" is the first name of {}; write the full name or the email",
                names.join(", ")
            ));
        }
        Matches::None => {}
    }
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(Who::Agent(id));
    }
    let mut names = vec!["me".to_owned(), "none".to_owned()];
    names.extend(ws.agents.iter().map(|a| value_text(&a.name)));
    Err(format!(
        "no agent named \"{}\"; {} (or an agent's email)",
        Short(text),
        expected(&names)
    ))
}

/// `none`, then a team by name, then by UUID.
fn team(ws: &Workspace, text: &str) -> Result<Option<Uuid>, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    if let Some(t) = ws.teams.iter().find(|t| t.name == text) {
        return Ok(Some(t.id));
    }
    match find_all(&ws.teams, |t| same(&t.name, text)) {
        Matches::One(t) => return Ok(Some(t.id)),
        Matches::Many(many) => {
            let ids: Vec<String> = many.iter().map(|t| t.id.to_string()).collect();
            return Err(format!(
                "{} teams are named \"{text}\"; write the name with the same capitals, or the id of the one you mean: {}",
                many.len(),
                ids.join(", ")
            ));
        }
        Matches::None => {}
    }
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(Some(id));
    }
    let mut names = vec!["none".to_owned()];
    names.extend(ws.teams.iter().map(|t| value_text(&t.name)));
    Err(format!(
        "no team named \"{}\"; {}",
        Short(text),
        expected(&names)
    ))
}

/// A tag by name, then by UUID.
fn tag(ws: &Workspace, text: &str) -> Result<Uuid, String> {
    if let Some(t) = ws.tags.iter().find(|t| t.name == text) {
        return Ok(t.id);
    }
    match find_all(&ws.tags, |t| same(&t.name, text)) {
        Matches::One(t) => return Ok(t.id),
        Matches::Many(many) => {
            let ids: Vec<String> = many.iter().map(|t| t.id.to_string()).collect();
            return Err(format!(
                "{} tags are named \"{text}\"; write the name with the same capitals, or the id of the one you mean: {}",
                many.len(),
                ids.join(", ")
            ));
        }
        Matches::None => {}
    }
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(id);
    }
    let names: Vec<String> = ws.tags.iter().map(|t| value_text(&t.name)).collect();
    Err(format!(
        "no tag named \"{}\"; {}",
        Short(text),
        expected(&names)
    ))
}

/// Whether `text` reads back as itself without quotes, as a value or a free-text word.
fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '"' | ',' | ':' | '\\'))
}

/// `text` as a value: bare when safe, quoted otherwise.
fn value_text(text: &str) -> String {
    if is_bare(text) {
        return text.to_owned();
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The first of `candidates` that `resolve` reads back as `want`, else `fallback`.
fn first_resolving<'a, T: PartialEq>(
    candidates: impl IntoIterator<Item = &'a str>,
    resolve: impl Fn(&str) -> Result<T, String>,
    want: &T,
    fallback: String,
) -> String {
    candidates
        .into_iter()
        .find(|c| resolve(c).as_ref() == Ok(want))
        .map_or(fallback, value_text)
}

fn status_text(ws: &Workspace, id: &StatusId) -> String {
    let label = ws.status(id).map(|s| s.label.as_str());
    first_resolving(label, |t| status(ws, t), id, value_text(id.as_str()))
}

fn agent_text(ws: &Workspace, who: Who) -> String {
    match who {
        Who::Me => "me".to_owned(),
        Who::Nobody => "none".to_owned(),
        Who::Agent(id) => {
            let names = ws
                .agent(id)
                .map(|a| [a.name.as_str(), a.email.as_str()])
                .into_iter()
                .flatten();
            first_resolving(names, |t| agent(ws, t), &who, id.to_string())
        }
    }
}

fn team_text(ws: &Workspace, id: Option<Uuid>) -> String {
    let Some(uuid) = id else {
        return "none".to_owned();
    };
    let name = ws.team(uuid).map(|t| t.name.as_str());
    first_resolving(name, |t| team(ws, t), &id, uuid.to_string())
}

fn tag_text(ws: &Workspace, id: Uuid) -> String {
    let name = ws.tag(id).map(|t| t.name.as_str());
    first_resolving(name, |t| tag(ws, t), &id, id.to_string())
}

/// `YYYY-MM-DD`, with a sign for years outside 0..=9999 (by hand: chrono's formatter would
/// otherwise land in the browser download).
fn date_text(d: NaiveDate) -> String {
    let (year, month, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:+05}-{month:02}-{day:02}")
    }
}

fn date_range_text(range: DateRange) -> Option<String> {
    match (range.from, range.to) {
        (None, None) => None,
        (Some(a), Some(b)) if a == b => Some(date_text(a)),
        (Some(a), Some(b)) => Some(format!("{}..{}", date_text(a), date_text(b))),
        (Some(a), None) => Some(format!(">={}", date_text(a))),
        (None, Some(b)) => Some(format!("<={}", date_text(b))),
    }
}

/// Seconds in the largest unit that divides them exactly.
fn duration_text(secs: i64) -> String {
    let (unit, size) = UNITS
        .into_iter()
        .find(|&(_, size)| secs != 0 && secs % size == 0)
        .unwrap_or(('s', 1));
    format!("{}{unit}", secs / size)
}

fn duration_range_text(range: DurationRange) -> String {
    match (range.min, range.max) {
        (None, None) => "any".to_owned(),
        (Some(a), Some(b)) => format!("{}..{}", duration_text(a), duration_text(b)),
        (Some(a), None) => format!(">={}", duration_text(a)),
        (None, Some(b)) => format!("<={}", duration_text(b)),
    }
}
