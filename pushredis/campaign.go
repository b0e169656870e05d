package pushredis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/redis/go-redis/v9"
)

// Campaigns is the campaigns of one Redis (and key prefix). It is safe for
// concurrent use.
type Campaigns struct {
	rdb    redis.UniversalClient
	prefix string
}

// Option configures [NewCampaigns].
type Option func(*Campaigns) error

// WithPrefix sets the prefix of every key (default "pushsdk:"), to keep
// several environments apart in one Redis. It may not contain '{' or '}'
// (campaign keys carry a hash tag).
func WithPrefix(prefix string) Option {
	return func(c *Campaigns) error {
		if strings.ContainsAny(prefix, "{}") {
			return fmt.Errorf("pushredis: WithPrefix %q: '{' and '}' are not allowed", prefix)
		}
		c.prefix = prefix
		return nil
	}
}

// NewCampaigns returns the campaigns kept in rdb.
func NewCampaigns(rdb redis.UniversalClient, opts ...Option) (*Campaigns, error) {
	if rdb == nil {
		return nil, errors.New("pushredis: NewCampaigns: nil Redis client")
	}
	c := &Campaigns{rdb: rdb, prefix: "pushsdk:"}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// CampaignSpec is what a campaign sends: the message and options of
// [pushsdk.Channel.PushBatchUniMsg], the size of its batches, and how long
// Redis keeps it after it ends.
type CampaignSpec struct {
	// Name is 1–128 letters, digits, '.', '_' or '-'.
	Name string `json:"name"`
	// Msg and Options are the push's, as for PushBatchUniMsg (Options may
	// set MsgType, MsgExpires, OnlineOnly, DeployStatus, TopicID and
	// DeviceType).
	Msg     string               `json:"msg"`
	Options *pushsdk.PushOptions `json:"options,omitempty"`
	// BatchSize is the number of ids of a batch, one push/batch_device
	// call: 1 to 10 000 (pushsdk.MaxBatchDevices); 0 means 10 000.
	BatchSize int `json:"batch_size"`
	// App names the app the campaign is for (its API key, which is not a
	// secret): Run refuses a worker whose RunOptions.App differs. Empty:
	// not checked.
	App string `json:"app,omitempty"`
	// Keep is how long Redis keeps the campaign after it ends (every
	// batch succeeded, failed or is uncertain); 0 means 7 days.
	Keep time.Duration `json:"keep"`
}

// specJSON is a CampaignSpec as Redis stores it and Status prints it:
// the options with the service's parameter names, durations in seconds.
type specJSON struct {
	Name         string `json:"name"`
	App          string `json:"app,omitempty"`
	Msg          string `json:"msg"`
	MsgType      int    `json:"msg_type"`
	MsgExpires   int64  `json:"msg_expires,omitempty"` // seconds
	OnlineOnly   bool   `json:"online_only,omitempty"`
	DeployStatus int    `json:"deploy_status,omitempty"`
	TopicID      string `json:"topic_id,omitempty"`
	DeviceType   int    `json:"device_type,omitempty"`
	BatchSize    int    `json:"batch_size"`
	Keep         int64  `json:"keep"` // seconds
}

// MarshalJSON writes the spec with the service's parameter names
// (msg_type, msg_expires, deploy_status, topic_id, device_type) and
// durations in seconds.
func (s CampaignSpec) MarshalJSON() ([]byte, error) {
	j := specJSON{Name: s.Name, App: s.App, Msg: s.Msg, BatchSize: s.BatchSize, Keep: int64(s.Keep / time.Second)}
	if o := s.Options; o != nil {
		j.MsgType, j.MsgExpires, j.OnlineOnly = int(o.MsgType), int64(o.MsgExpires/time.Second), o.OnlineOnly
		j.DeployStatus, j.TopicID, j.DeviceType = int(o.DeployStatus), o.TopicID, int(o.DeviceType)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *CampaignSpec) UnmarshalJSON(b []byte) error {
	var j specJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = CampaignSpec{Name: j.Name, App: j.App, Msg: j.Msg, BatchSize: j.BatchSize, Keep: time.Duration(j.Keep) * time.Second}
	o := pushsdk.PushOptions{MsgType: pushsdk.MsgType(j.MsgType), MsgExpires: time.Duration(j.MsgExpires) * time.Second, OnlineOnly: j.OnlineOnly,
		DeployStatus: pushsdk.DeployStatus(j.DeployStatus), TopicID: j.TopicID, DeviceType: pushsdk.DeviceType(j.DeviceType)}
	if o != (pushsdk.PushOptions{}) {
		s.Options = &o
	}
	return nil
}

// DefaultKeep is how long a campaign stays in Redis after it ends, unless
// its CampaignSpec says otherwise.
const DefaultKeep = 7 * 24 * time.Hour

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// check validates the spec and fills in the defaults.
func (s *CampaignSpec) check() error {
	var problems []string
	if !validName.MatchString(s.Name) {
		problems = append(problems, fmt.Sprintf("Name %q: want 1–128 letters, digits, '.', '_' or '-'", s.Name))
	}
	if s.Msg == "" {
		problems = append(problems, "Msg: empty")
	}
	switch {
	case s.BatchSize == 0:
		s.BatchSize = pushsdk.MaxBatchDevices
	case s.BatchSize < 0 || s.BatchSize > pushsdk.MaxBatchDevices:
		problems = append(problems, fmt.Sprintf("BatchSize %d: want 1–%d", s.BatchSize, pushsdk.MaxBatchDevices))
	}
	switch {
	case s.Keep == 0:
		s.Keep = DefaultKeep
	case s.Keep < time.Second:
		problems = append(problems, fmt.Sprintf("Keep %v: want at least a second", s.Keep))
	}
	if o := s.Options; o != nil && !o.SendTime.IsZero() {
		problems = append(problems, "Options.SendTime: a campaign sends now (push/batch_device takes no send_time)")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// jobFingerprint identifies what the campaign sends, without its ids.
func (s *CampaignSpec) jobFingerprint() string {
	b, _ := json.Marshal(struct {
		Msg       string
		Options   *pushsdk.PushOptions
		BatchSize int
		App       string
	}{s.Msg, s.Options, s.BatchSize, s.App})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// keys are the Redis keys of one campaign; they share the hash tag {name}.
type keys struct {
	meta, batches, state, queue string
}

func (c *Campaigns) keys(name string) keys {
	base := c.prefix + "campaign:{" + name + "}:"
	return keys{meta: base + "meta", batches: base + "batches", state: base + "state", queue: base + "queue"}
}

func (k keys) all() []string { return []string{k.meta, k.batches, k.state, k.queue} }

func (c *Campaigns) index() string { return c.prefix + "campaigns" }

// group is the consumer group of every campaign's queue.
const group = "workers"

// ErrNotFound is returned for a campaign that does not exist (or expired).
var ErrNotFound = errors.New("pushredis: no such campaign")

// ErrInvalid marks a campaign refused for what it is: a bad name, message,
// batch size or keep time, or an id list with something that is not a
// channel id. Nothing was stored.
var ErrInvalid = errors.New("pushredis: invalid campaign")

// ErrConflict is returned by Create for a campaign that exists with
// another message, options or id list: campaigns are never merged.
var ErrConflict = errors.New("pushredis: a campaign of this name exists with another")

// meta is a campaign as its meta hash holds it.
type meta struct {
	spec        CampaignSpec
	job, idsFP  string
	ids         int64
	batches     int64
	state       string // metaLoading, metaReady
	created     time.Time
	ended       time.Time
	version     int
	loaderToken string
}

const metaVersion = 1

// The states of a campaign's meta.
const (
	metaLoading = "loading"
	metaReady   = "ready"
)

func (c *Campaigns) readMeta(ctx context.Context, k keys) (*meta, error) {
	h, err := c.rdb.HGetAll(ctx, k.meta).Result()
	if err != nil {
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	if len(h) == 0 {
		return nil, ErrNotFound
	}
	m := &meta{state: h["state"], job: h["job"], idsFP: h["ids_fingerprint"], loaderToken: h["loader"]}
	if err := json.Unmarshal([]byte(h["spec"]), &m.spec); err != nil {
		return nil, fmt.Errorf("pushredis: campaign %s: unreadable meta: %w", k.meta, err)
	}
	m.version, _ = strconv.Atoi(h["version"])
	if m.version > metaVersion {
		return nil, fmt.Errorf("pushredis: campaign %s was written by a newer pushredis (version %d)", m.spec.Name, m.version)
	}
	m.ids, _ = strconv.ParseInt(h["ids"], 10, 64)
	m.batches, _ = strconv.ParseInt(h["batches"], 10, 64)
	if ms, err := strconv.ParseInt(h["created"], 10, 64); err == nil {
		m.created = time.UnixMilli(ms)
	}
	if ms, err := strconv.ParseInt(h["ended"], 10, 64); err == nil && ms > 0 {
		m.ended = time.UnixMilli(ms)
	}
	return m, nil
}

// batchSize is the number of ids of batch i.
func (m *meta) batchSize(i int64) int64 {
	bs := int64(m.spec.BatchSize)
	return min(bs, m.ids-i*bs)
}

// record is a batch's entry in the state hash.
type record struct {
	State     string `json:"s"`                    // queued, started, ok, failed, uncertain
	Worker    string `json:"w,omitempty"`          // who started it
	Time      int64  `json:"t,omitempty"`          // when (unix ms)
	MsgID     string `json:"msg_id,omitempty"`     // ok
	RequestID int64  `json:"request_id,omitempty"` // ok, failed, uncertain
	SendTime  int64  `json:"send_time,omitempty"`  // ok
	Code      int    `json:"code,omitempty"`       // failed, uncertain
	Msg       string `json:"msg,omitempty"`        // failed, uncertain
}

// Batch states as the state hash and Status name them.
const (
	stateQueued    = "queued"
	stateStarted   = "started"
	stateOK        = "ok"
	stateFailed    = "failed"
	stateUncertain = "uncertain"
)

// Status is where a campaign stands.
type Status struct {
	Spec    CampaignSpec `json:"spec"`
	Created time.Time    `json:"created"`
	// Ended is when the last batch got its outcome; zero while batches are
	// pending or in flight. Redis forgets the campaign Spec.Keep after it.
	Ended time.Time `json:"ended,omitzero"`
	// Loading is true while Create is still storing the ids (or was
	// interrupted: Delete the campaign and create it again).
	Loading bool `json:"loading,omitempty"`
	// IDs and Batches count the campaign's distinct ids and its batches.
	IDs     int64 `json:"ids"`
	Batches int64 `json:"batches"`
	// Done is true when every batch has an outcome: succeeded, failed or
	// uncertain.
	Done bool `json:"done"`
	// Counts by state: pending (never started, or failed earlier and
	// queued again), in flight (started, no outcome yet — its worker is
	// sending, or is dead and its lease not yet expired), succeeded,
	// failed (provably not processed: the next Run sends them again) and
	// uncertain (may have been delivered: not sent again unless
	// RunOptions.ResendUncertain).
	Pending   Count `json:"pending"`
	InFlight  Count `json:"in_flight"`
	Succeeded Count `json:"succeeded"`
	Failed    Count `json:"failed"`
	Uncertain Count `json:"uncertain"`
}

// Count is a number of ids and of batches.
type Count struct {
	IDs     int64 `json:"ids"`
	Batches int64 `json:"batches"`
}

func (n *Count) add(o Count) { n.IDs += o.IDs; n.Batches += o.Batches }

// Status reads where a campaign stands: one pass over its state hash
// (HSCAN), whatever its size.
func (c *Campaigns) Status(ctx context.Context, name string) (*Status, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	k := c.keys(name)
	m, err := c.readMeta(ctx, k)
	if err != nil {
		return nil, err
	}
	st := &Status{Spec: m.spec, Created: m.created, Ended: m.ended, Loading: m.state != metaReady, IDs: m.ids, Batches: m.batches}
	if st.Loading {
		return st, nil
	}
	var seen Count
	err = c.scanStates(ctx, k, func(i int64, rec record) error {
		if i < 0 || i >= m.batches {
			return nil
		}
		n := Count{IDs: m.batchSize(i), Batches: 1}
		switch rec.State {
		case stateStarted:
			st.InFlight.add(n)
		case stateOK:
			st.Succeeded.add(n)
		case stateFailed:
			st.Failed.add(n)
		case stateUncertain:
			st.Uncertain.add(n)
		default:
			return nil // queued: pending
		}
		seen.add(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.Pending = Count{IDs: m.ids - seen.IDs, Batches: m.batches - seen.Batches}
	st.Done = st.Pending.Batches == 0 && st.InFlight.Batches == 0
	return st, nil
}

// scanStates calls fn with every batch's record (HSCAN: a page at a time).
func (c *Campaigns) scanStates(ctx context.Context, k keys, fn func(i int64, rec record) error) error {
	var cursor uint64
	for {
		kv, next, err := c.rdb.HScan(ctx, k.state, cursor, "", 1000).Result()
		if err != nil {
			return fmt.Errorf("pushredis: Redis: %w", err)
		}
		for j := 0; j+1 < len(kv); j += 2 {
			i, err := strconv.ParseInt(kv[j], 10, 64)
			if err != nil {
				continue
			}
			var rec record
			if err := json.Unmarshal([]byte(kv[j+1]), &rec); err != nil {
				return fmt.Errorf("pushredis: batch %d: unreadable state %q", i, kv[j+1])
			}
			if err := fn(i, rec); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// IDs calls fn with the ids of every batch in one of the states "failed"
// (safe to send again), "uncertain" (may have been delivered), "ok" or
// "pending", a batch at a time: memory holds one batch.
func (c *Campaigns) IDs(ctx context.Context, name, state string, fn func(ids []string) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	switch state {
	case stateFailed, stateUncertain, stateOK, "pending":
	default:
		return fmt.Errorf("pushredis: IDs: state %q: want failed, uncertain, ok or pending", state)
	}
	k := c.keys(name)
	m, err := c.readMeta(ctx, k)
	if err != nil {
		return err
	}
	if m.state != metaReady {
		return fmt.Errorf("pushredis: campaign %s is still being created", name)
	}
	var batches []int64
	if state == "pending" {
		final := map[int64]bool{}
		if err := c.scanStates(ctx, k, func(i int64, rec record) error {
			final[i] = rec.State != stateQueued
			return nil
		}); err != nil {
			return err
		}
		for i := range m.batches {
			if !final[i] {
				batches = append(batches, i)
			}
		}
	} else if err := c.scanStates(ctx, k, func(i int64, rec record) error {
		if rec.State == state {
			batches = append(batches, i)
		}
		return nil
	}); err != nil {
		return err
	}
	slices.Sort(batches)
	for _, i := range batches {
		ids, err := c.batchIDs(ctx, k, i)
		if err != nil {
			return err
		}
		if err := fn(ids); err != nil {
			return err
		}
	}
	return nil
}

// batchIDs reads the ids of batch i.
func (c *Campaigns) batchIDs(ctx context.Context, k keys, i int64) ([]string, error) {
	s, err := c.rdb.HGet(ctx, k.batches, strconv.FormatInt(i, 10)).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("pushredis: batch %d has no ids in %s", i, k.batches)
		}
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	return strings.Split(s, "\n"), nil
}

// Summary is one campaign of List.
type Summary struct {
	Name    string    `json:"name"`
	IDs     int64     `json:"ids"`
	Batches int64     `json:"batches"`
	Loading bool      `json:"loading,omitempty"`
	Created time.Time `json:"created"`
	Ended   time.Time `json:"ended,omitzero"`
}

// List returns the campaigns Redis holds, by name. Names whose campaign
// expired are dropped from the index on the way.
func (c *Campaigns) List(ctx context.Context) ([]Summary, error) {
	names, err := c.rdb.SMembers(ctx, c.index()).Result()
	if err != nil {
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	slices.Sort(names)
	var out []Summary
	for _, name := range names {
		m, err := c.readMeta(ctx, c.keys(name))
		if errors.Is(err, ErrNotFound) {
			c.rdb.SRem(ctx, c.index(), name)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Summary{Name: name, IDs: m.ids, Batches: m.batches, Loading: m.state != metaReady, Created: m.created, Ended: m.ended})
	}
	return out, nil
}

// Delete removes a campaign and all it recorded. Workers still running it
// stop at their next batch. Deleting a campaign that does not exist
// returns ErrNotFound.
func (c *Campaigns) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	k := c.keys(name)
	n, err := c.rdb.Del(ctx, k.all()...).Result()
	if err != nil {
		return fmt.Errorf("pushredis: Redis: %w", err)
	}
	c.rdb.SRem(ctx, c.index(), name)
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func checkName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("pushredis: campaign name %q: want 1–128 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// SliceIDs is the id sequence Create takes, from a list in memory.
func SliceIDs(ids []string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}
