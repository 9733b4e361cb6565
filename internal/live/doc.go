// Package live pushes the change feed to GraphQL subscriptions as it grows,
// in every server process at once: a write in one process reaches the
// subscribers of all the others.
//
// The feed itself (package changes) is the only thing the processes share,
// so the design has two halves:
//
//   - A Hub per process learns that the feed has grown and wakes its
//     followers. On PostgreSQL it LISTENs on changes.Notify, which every
//     write transaction notifies at commit, with a slow poll of the feed's
//     last sequence as a safety net for a notification lost while the
//     listening connection was being replaced. On SQLite, where another
//     process may write the same file and nothing notifies, it polls the
//     last sequence often. The hub watches only while someone follows: a
//     server nobody subscribes to holds no connection and runs nothing.
//
//   - A follower (Follow, one per subscription) keeps its own cursor,
//     starts at the feed's last sequence (only what is written from then
//     on), and on each wake reads its own pages with feed.Read under its
//     own principal and filter. What a subscriber receives is therefore
//     exactly what the `changes` query would page through for it, scoped by
//     the same SQL predicate, in sequence order, with nothing skipped when
//     wakes coalesce or a notification is lost.
//
// A wake is a hint, never data: followers always read the feed, so a lost,
// duplicated or early wake costs a read and nothing else.
//
//	hub.go     Hub: who follows, what is known of the feed, Close
//	watch.go   how the hub learns of commits: LISTEN and polling
//	follow.go  Follow: a subscriber's cursor and reads
package live
