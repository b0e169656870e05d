// Package pushredis runs pushsdk on many machines: a rate limiter that the
// processes of one app share ([Limiter]), and campaigns — a message to a
// list of any length — that any number of workers on any machines run
// together and any of them resumes ([Campaigns]). Both keep their state in
// Redis, through github.com/redis/go-redis/v9 (a single node, Sentinel or
// Cluster: a [redis.UniversalClient]).
//
// # The shared limiter
//
// The service limits each app (30699, Requests Are Too Frequent), not each
// process. Give every process of the app the same [Limiter]:
//
//	lim, err := pushredis.NewLimiter(rdb, "pushsdk:limit:"+apiKey, 50, 1)
//	c, err := pushsdk.NewChannel(apiKey, secretKey, pushsdk.WithRateLimiter(lim))
//
// # Campaigns
//
// A campaign is a name, an id list, a message and its options, stored in
// Redis and cut into batches (10 000 ids by default). [Campaigns.Create]
// stores it, streaming the ids (memory stays bounded whatever their
// number; an id listed twice is pushed once). [Campaigns.Run] is one
// worker: it claims batches from a Redis stream (a consumer group, with
// XREADGROUP and XAUTOCLAIM), records each batch's start before sending
// and its outcome after, and ends when no batch is left. Start as many
// workers as you like, on any machines; a worker that dies loses its
// batches to the others when its lease expires. The contract is
// [pushsdk.FanoutJournal]'s:
//
//   - a batch that succeeded is never sent again;
//   - a batch that failed (provably not processed) is sent again by the
//     next Run;
//   - a batch that was started and never answered (its worker was killed)
//     is uncertain: reported, not sent again unless
//     [RunOptions].ResendUncertain;
//   - a batch claimed but not started goes back to the others.
//
// [Campaigns.Status] counts ids and batches by state, and lists the failed
// and uncertain ids. All keys of one campaign share a hash tag
// ("{name}"), so a campaign lives on one Redis Cluster slot; they expire a
// settable time ([CampaignSpec].Keep) after the campaign ends.
//
// # What Redis holds
//
//	<prefix>campaign:{NAME}:meta     hash: message, options, counts, state
//	<prefix>campaign:{NAME}:batches  hash: batch number → its ids, one a line
//	<prefix>campaign:{NAME}:state    hash: batch number → started | ok | failed | uncertain (JSON)
//	<prefix>campaign:{NAME}:queue    stream of batch numbers; consumer group "workers"
//	<prefix>campaigns                set of campaign names, for List
//	<limiter key>                    hash: the shared rate and the GCRA's next time
//
// The prefix is "pushsdk:" unless [WithPrefix] says otherwise. About 21
// bytes of Redis memory per id of 19 digits (BENCHMARKS.md).
package pushredis
