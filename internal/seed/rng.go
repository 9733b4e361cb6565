package seed

// Synthetic data is generated lazily and never kept, yet records refer to
// events and demands emitted long before them and must agree with them (same
// community, a date inside the event, the demand's category). So every entity
// draws its random numbers from a stream keyed by (seed, kind, index): the
// record generator re-derives event 1234 by opening the same stream the event
// generator used. SplitMix64 is used because it is a pure function of a
// counter, tiny, and fast enough for the 100M-record hot loop.

// Stream kinds: one per entity type that draws random numbers.
const (
	kRegion uint64 = iota + 1
	kCommunity
	kOrg
	kPerson
	kAlliance
	kMember
	kStudio
	kMentorship
	kEvent
	kDemand
	kRecord
)

const golden = 0x9e3779b97f4a7c15

// mix64 is SplitMix64's finalizer: a bijection that scrambles all bits.
func mix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// stream is a SplitMix64 generator.
type stream struct{ s uint64 }

// newStream opens the stream of one entity.
func newStream(seed int64, kind, index uint64) stream {
	return stream{s: mix64(uint64(seed)*golden ^ mix64(kind<<56^index+golden))}
}

func (r *stream) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a uniform int in [0, n) for 0 < n < 2^32.
func (r *stream) intn(n int) int {
	return int((r.next() >> 32) * uint64(n) >> 32)
}

// between returns a uniform int in [lo, hi].
func (r *stream) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// pct is true with probability p percent.
func (r *stream) pct(p int) bool { return r.intn(100) < p }
