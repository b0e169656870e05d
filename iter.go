package pushsdk

import (
	"context"
	"iter"
)

// The iterators below page through a list with start/limit until its end,
// one call per page, and stop as soon as the caller breaks out of the loop.
// A failed call yields its error once and ends the iteration:
//
//	for tag, err := range c.Tags(ctx, nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(tag.Name)
//	}
//
// opts.Start sets where to begin and opts.Limit the page size (default
// 100). A list that changes while it is read (timers firing, tags created)
// may show an item twice or skip one, as with any offset paging.

// Tags iterates over the app's tags (app/query_tags).
func (c *Channel) Tags(ctx context.Context, opts *TagsOptions) iter.Seq2[Tag, error] {
	o := valueOf(opts)
	return pages[Tag](o.PageOptions, func(p PageOptions) (*TagList, error) { o.PageOptions = p; return c.QueryTags(ctx, &o) })
}

// Timers iterates over the app's pending timers (timer/query_list).
func (c *Channel) Timers(ctx context.Context, opts *TimerListOptions) iter.Seq2[Timer, error] {
	o := valueOf(opts)
	return pages[Timer](o.PageOptions, func(p PageOptions) (*TimerList, error) { o.PageOptions = p; return c.QueryTimerList(ctx, &o) })
}

// Topics iterates over the topics of batch pushes (topic/query_list).
func (c *Channel) Topics(ctx context.Context, opts *PageOptions) iter.Seq2[Topic, error] {
	return pages[Topic](valueOf(opts), func(p PageOptions) (*TopicList, error) { return c.QueryTopicList(ctx, &p) })
}

// TimerRecords iterates over the messages a timer sent
// (report/query_timer_records).
func (c *Channel) TimerRecords(ctx context.Context, timerID string, opts *RecordsOptions) iter.Seq2[Record, error] {
	o := valueOf(opts)
	return pages[Record](o.PageOptions, func(p PageOptions) (*TimerRecords, error) {
		o.PageOptions = p
		return c.QueryTimerRecords(ctx, timerID, &o)
	})
}

// TopicRecords iterates over the messages sent under a topic
// (report/query_topic_records).
func (c *Channel) TopicRecords(ctx context.Context, topicID string, opts *RecordsOptions) iter.Seq2[Record, error] {
	o := valueOf(opts)
	return pages[Record](o.PageOptions, func(p PageOptions) (*TopicRecords, error) {
		o.PageOptions = p
		return c.QueryTopicRecords(ctx, topicID, &o)
	})
}

// listing is a page of a list: its items, and the list's total (-1 when
// the endpoint does not say).
type listing[T any] interface {
	items() ([]T, int64)
}

func (r *TagList) items() ([]Tag, int64)         { return r.Tags, r.TotalNum }
func (r *TimerList) items() ([]Timer, int64)     { return r.Timers, r.TotalNum }
func (r *TopicList) items() ([]Topic, int64)     { return r.Topics, r.TotalNum }
func (r *TimerRecords) items() ([]Record, int64) { return r.Records, -1 }
func (r *TopicRecords) items() ([]Record, int64) { return r.Records, -1 }

func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// pages turns a page fetcher into an iterator; paging ends at a short or
// empty page, or once the list's total has been seen.
func pages[T any, L listing[T]](first PageOptions, fetch func(PageOptions) (L, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		p := first
		if p.Limit == 0 {
			p.Limit = maxPageLimit
		}
		for {
			page, err := fetch(p)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			items, total := page.items()
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			p.Start += len(items)
			if len(items) < p.Limit || total >= 0 && int64(p.Start) >= total {
				return
			}
		}
	}
}
