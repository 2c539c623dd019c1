//! How many events the next batch takes (`docs/sync-api.md`, "Batch size").
//!
//! Normally a batch takes up to `cap` events; `cap` starts at `batch_size`. When a batch cannot
//! be sent as it is, its events are *owed*: they are sent next, before anything else, in smaller
//! batches. A 413 splits a batch into its two halves (first the first, then the second; a half
//! that gets 413 again is split the same way). A 400/422 on a whole batch, or three unusable
//! answers to it, has its events sent one at a time. While anything is owed the batch size does
//! not grow. A 413 also halves `cap`; each batch answered while nothing is owed doubles it again,
//! up to `batch_size`. Nothing of this is kept across a restart: a restarted terminal begins at
//! `batch_size`.

/// The next `events` pending events, sent at most `per_batch` at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Part {
    pub(super) events: usize,
    pub(super) per_batch: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Batching {
    max: usize,
    cap: usize,
    /// What earlier batches still owe, the next part last.
    owed: Vec<Part>,
}

impl Batching {
    pub(super) fn new(batch_size: usize) -> Batching {
        let max = batch_size.max(1);
        Batching { max, cap: max, owed: Vec::new() }
    }

    /// The most events the next batch may take.
    pub(super) fn limit(&self) -> usize {
        match self.owed.last() {
            Some(p) => p.per_batch.min(p.events).max(1),
            None => self.cap,
        }
    }

    /// A batch of `n` events was answered (200): they are settled, and if nothing was owed the
    /// batch size grows.
    pub(super) fn answered(&mut self, n: usize) {
        if self.owed.is_empty() {
            self.cap = self.cap.saturating_mul(2).min(self.max);
        } else {
            self.settle(n);
        }
    }

    /// `n` events at the head of the outbox are done with (answered or parked).
    pub(super) fn settle(&mut self, mut n: usize) {
        while n > 0 {
            let Some(p) = self.owed.last_mut() else { return };
            let take = n.min(p.events);
            p.events -= take;
            n -= take;
            if p.events == 0 {
                self.owed.pop();
            }
        }
    }

    /// A batch of `n > 1` events got 413: its halves are owed, the first half next.
    pub(super) fn split(&mut self, n: usize) {
        self.settle(n);
        let first = (n / 2).max(1);
        let second = n - first;
        if second > 0 {
            self.owed.push(Part { events: second, per_batch: second });
        }
        self.owed.push(Part { events: first, per_batch: first });
        self.cap = self.cap.min(first);
    }

    /// A batch of `n` events is to be sent again one event at a time.
    pub(super) fn one_at_a_time(&mut self, n: usize) {
        self.settle(n);
        self.owed.push(Part { events: n, per_batch: 1 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs batches against a receiver that answers 413 to any batch over `fits` events, with
    /// `pending` events waiting; returns the sizes sent and whether each got 413.
    fn run(b: &mut Batching, mut pending: usize, fits: usize) -> Vec<(usize, bool)> {
        let mut sent = Vec::new();
        while pending > 0 && sent.len() < 1000 {
            let n = b.limit().min(pending);
            if n > fits {
                sent.push((n, true));
                b.split(n);
            } else {
                sent.push((n, false));
                b.answered(n);
                pending -= n;
            }
        }
        sent
    }

    #[test]
    fn after_a_413_both_halves_go_before_the_size_grows() {
        let mut b = Batching::new(20);
        b.split(20);
        assert_eq!(b.limit(), 10);
        b.answered(10);
        assert_eq!(b.limit(), 10, "the second half, not the full size");
        b.answered(10);
        assert_eq!(b.limit(), 10, "nothing owed: the halved size");
        b.answered(10);
        assert_eq!(b.limit(), 20, "doubled back to batch_size");
        b.answered(20);
        assert_eq!(b.limit(), 20);
    }

    #[test]
    fn a_half_that_gets_413_again_is_split_and_the_other_half_still_follows() {
        let mut b = Batching::new(20);
        let sent = run(&mut b, 45, 7);
        let want = [(20, true), (10, true), (5, false), (5, false), (10, true), (5, false), (5, false)];
        assert_eq!(sent[..7], want);
        // Then batches of 5 (the size that fit), which double to 10 (413, split again), ...
        assert_eq!(sent[7..10], [(5, false), (10, true), (5, false)]);
        assert_eq!(sent.iter().filter(|s| !s.1).map(|s| s.0).sum::<usize>(), 45, "every event once");
        // Odd sizes: the halves add up.
        let mut b = Batching::new(7);
        assert_eq!(
            run(&mut b, 7, 2),
            [(7, true), (3, true), (1, false), (2, false), (4, true), (2, false), (2, false)]
        );
    }

    #[test]
    fn one_at_a_time_then_batches_again_at_the_same_size() {
        let mut b = Batching::new(50);
        b.one_at_a_time(3);
        for _ in 0..3 {
            assert_eq!(b.limit(), 1);
            b.answered(1);
        }
        assert_eq!(b.limit(), 50);
        // A single event parked (settled) counts as done; inside a half, one at a time then the rest.
        b.split(8);
        b.one_at_a_time(4);
        b.settle(1);
        assert_eq!(b.limit(), 1);
        b.answered(1);
        b.answered(1);
        b.answered(1);
        assert_eq!(b.limit(), 4, "the second half");
        b.answered(4);
        assert_eq!(b.limit(), 4);
        assert_eq!(Batching::new(0).limit(), 1);
    }
}
