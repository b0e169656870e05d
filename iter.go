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
	var o TagsOptions
	if opts != nil {
		o = *opts
	}
	return pages(o.PageOptions, func(p PageOptions) ([]Tag, int64, error) {
		o.PageOptions = p
		res, err := c.QueryTags(ctx, &o)
		if err != nil {
			return nil, 0, err
		}
		return res.Tags, res.TotalNum, nil
	})
}

// Timers iterates over the app's pending timers (timer/query_list).
func (c *Channel) Timers(ctx context.Context, opts *TimerListOptions) iter.Seq2[Timer, error] {
	var o TimerListOptions
	if opts != nil {
		o = *opts
	}
	return pages(o.PageOptions, func(p PageOptions) ([]Timer, int64, error) {
		o.PageOptions = p
		res, err := c.QueryTimerList(ctx, &o)
		if err != nil {
			return nil, 0, err
		}
		return res.Timers, res.TotalNum, nil
	})
}

// Topics iterates over the topics of batch pushes (topic/query_list).
func (c *Channel) Topics(ctx context.Context, opts *PageOptions) iter.Seq2[Topic, error] {
	var o PageOptions
	if opts != nil {
		o = *opts
	}
	return pages(o, func(p PageOptions) ([]Topic, int64, error) {
		res, err := c.QueryTopicList(ctx, &p)
		if err != nil {
			return nil, 0, err
		}
		return res.Topics, res.TotalNum, nil
	})
}

// TimerRecords iterates over the messages a timer sent
// (report/query_timer_records).
func (c *Channel) TimerRecords(ctx context.Context, timerID string, opts *RecordsOptions) iter.Seq2[Record, error] {
	var o RecordsOptions
	if opts != nil {
		o = *opts
	}
	return pages(o.PageOptions, func(p PageOptions) ([]Record, int64, error) {
		o.PageOptions = p
		res, err := c.QueryTimerRecords(ctx, timerID, &o)
		if err != nil {
			return nil, 0, err
		}
		return res.Records, -1, nil
	})
}

// TopicRecords iterates over the messages sent under a topic
// (report/query_topic_records).
func (c *Channel) TopicRecords(ctx context.Context, topicID string, opts *RecordsOptions) iter.Seq2[Record, error] {
	var o RecordsOptions
	if opts != nil {
		o = *opts
	}
	return pages(o.PageOptions, func(p PageOptions) ([]Record, int64, error) {
		o.PageOptions = p
		res, err := c.QueryTopicRecords(ctx, topicID, &o)
		if err != nil {
			return nil, 0, err
		}
		return res.Records, -1, nil
	})
}

// pages turns a page fetcher into an iterator. fetch returns a page and the
// list's total (-1 when the endpoint does not say); paging ends at a short
// or empty page, or once total items have been seen.
func pages[T any](first PageOptions, fetch func(PageOptions) ([]T, int64, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		p := first
		if p.Limit == 0 {
			p.Limit = maxPageLimit
		}
		for {
			items, total, err := fetch(p)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
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
