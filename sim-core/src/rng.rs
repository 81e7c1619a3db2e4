//! Independent, named random-number streams.
//!
//! Every random source (a route's arrivals, a station's service times, a
//! link's latencies, ...) draws from its own ChaCha8 stream. The stream's key
//! is made of the master seed and the replication index; its 64-bit ChaCha
//! stream number is a stable hash of the source's name and purpose. Streams
//! therefore depend on neither creation order nor thread scheduling, and
//! adding a component to a model leaves every other component's draws
//! unchanged.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator behind every stream: ChaCha with 8 rounds, portable and
/// reproducible across platforms and versions of this crate's dependencies.
pub type StreamRng = ChaCha8Rng;

/// A stable identifier of one random source: a 64-bit FNV-1a hash of
/// `component` and `purpose`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId(u64);

impl StreamId {
    /// The stream of `purpose` (e.g. `"service"`) at `component` (e.g.
    /// `"station/hub-fw"`).
    pub fn named(component: &str, purpose: &str) -> Self {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let mut h = OFFSET;
        // A separator byte that cannot occur in UTF-8 keeps ("ab", "c")
        // and ("a", "bc") apart.
        for b in component.bytes().chain([0xff]).chain(purpose.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
        StreamId(h)
    }

    /// The raw 64-bit stream number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

/// The generator of stream `id` in replication `replication` of a run with
/// master seed `seed`.
pub fn stream_rng(seed: u64, replication: u64, id: StreamId) -> StreamRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&replication.to_le_bytes());
    key[16..].copy_from_slice(b"aznetsim/streams");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(id.0);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Golden values: changing them changes every simulation result, which
    /// must be a deliberate, reviewed change recorded in the CHANGELOG.
    #[test]
    fn first_draws_are_pinned() {
        let id = StreamId::named("station/backend", "service");
        assert_eq!(id.as_u64(), GOLDEN_ID);
        let mut r = stream_rng(42, 0, id);
        let draws = [r.next_u64(), r.next_u64()];
        assert_eq!(draws, GOLDEN_DRAWS);
    }

    const GOLDEN_ID: u64 = 17753635432637261272;
    const GOLDEN_DRAWS: [u64; 2] = [14695916414819678834, 4153847103841362188];

    #[test]
    fn streams_differ_by_seed_replication_and_name() {
        let a = StreamId::named("a", "service");
        let first = |seed, rep, id| stream_rng(seed, rep, id).next_u64();
        let base = first(1, 0, a);
        assert_ne!(base, first(2, 0, a));
        assert_ne!(base, first(1, 1, a));
        assert_ne!(base, first(1, 0, StreamId::named("a", "latency")));
        assert_ne!(StreamId::named("ab", "c"), StreamId::named("a", "bc"));
    }
}
