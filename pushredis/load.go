package pushredis

import (
	"bufio"
	"container/heap"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Create stores a campaign: its spec, and ids cut into batches in the
// order of their first appearance (an id listed twice is pushed once).
// ids are read once, as a stream; memory stays bounded whatever their
// number (past 65 536 ids they are de-duplicated through temporary files
// in os.TempDir, about twice the list's size on disk). Each id must be a
// channel id (1–64 digits); the first one that is not ends Create with an
// error that names its position.
//
// Creating a campaign again with the same spec and ids returns its status
// and changes nothing; with another message, options, batch size, app or
// id list it fails with [ErrConflict]: campaigns are never merged. A
// campaign whose creation was interrupted is refused until it is deleted.
func (c *Campaigns) Create(ctx context.Context, spec CampaignSpec, ids iter.Seq2[string, error]) (*Status, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, errors.New("pushredis: Create: nil id sequence")
	}
	k := c.keys(spec.Name)
	job := spec.jobFingerprint()
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	token := randomToken()
	res, err := createScript.Run(ctx, c.rdb, []string{k.meta}, token, job, string(specJSON), time.Now().UnixMilli(), metaVersion).Slice()
	if err != nil {
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	switch res[0] {
	case "new":
	case metaLoading:
		return nil, fmt.Errorf("pushredis: campaign %s is being created by another process, or its creation was interrupted "+
			"(delete it and create it again)", spec.Name)
	case "conflict":
		return nil, fmt.Errorf("%w: campaign %s exists with another message, options, batch size or app; give it another name", ErrConflict, spec.Name)
	default: // "same": compare the ids without writing them
		m, err := c.readMeta(ctx, k)
		if err != nil {
			return nil, err
		}
		fp, err := fingerprintIDs(ids)
		if err != nil {
			return nil, err
		}
		if fp != m.idsFP {
			return nil, fmt.Errorf("%w: campaign %s exists with another id list; give it another name", ErrConflict, spec.Name)
		}
		return c.Status(ctx, spec.Name)
	}
	if err := c.rdb.SAdd(ctx, c.index(), spec.Name).Err(); err != nil {
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	n, batches, fp, err := c.load(ctx, k, spec.BatchSize, ids)
	if err != nil {
		// Leave nothing half made behind: the name is free again.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		c.rdb.Del(cleanup, k.all()...)
		c.rdb.SRem(cleanup, c.index(), spec.Name)
		return nil, err
	}
	if n == 0 {
		c.rdb.Del(ctx, k.all()...)
		c.rdb.SRem(ctx, c.index(), spec.Name)
		return nil, fmt.Errorf("%w: no ids", ErrInvalid)
	}
	ok, err := readyScript.Run(ctx, c.rdb, []string{k.meta}, token, fp, n, batches).Int()
	if err != nil {
		return nil, fmt.Errorf("pushredis: Redis: %w", err)
	}
	if ok != 1 {
		return nil, fmt.Errorf("pushredis: campaign %s was deleted while it was being created", spec.Name)
	}
	return c.Status(ctx, spec.Name)
}

// createScript claims a campaign's name: "new" when it did not exist
// (meta is written in state loading), else "loading", "same" (a ready
// campaign with the same job) or "conflict". ARGV: token, job fingerprint,
// spec JSON, created (ms), version.
var createScript = redis.NewScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'loading' then return {'loading'} end
if state then
  if redis.call('HGET', KEYS[1], 'job') == ARGV[2] then return {'same'} end
  return {'conflict'}
end
redis.call('HSET', KEYS[1], 'state', 'loading', 'loader', ARGV[1], 'job', ARGV[2], 'spec', ARGV[3], 'created', ARGV[4], 'version', ARGV[5])
return {'new'}
`)

// readyScript ends the loading: ARGV token, ids fingerprint, ids, batches.
var readyScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'loader') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'ready', 'ids_fingerprint', ARGV[2], 'ids', ARGV[3], 'batches', ARGV[4])
redis.call('HDEL', KEYS[1], 'loader')
return 1
`)

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loadFlushBytes is how much a pipeline carries to Redis at once.
const loadFlushBytes = 4 << 20

// load writes the de-duplicated ids as batches, and one queue entry per
// batch, in pipelines of a few MiB. It returns the number of ids and
// batches and the ids' fingerprint.
func (c *Campaigns) load(ctx context.Context, k keys, size int, ids iter.Seq2[string, error]) (n, batches int64, fp string, err error) {
	if err := c.rdb.XGroupCreateMkStream(ctx, k.queue, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return 0, 0, "", fmt.Errorf("pushredis: Redis: %w", err)
	}
	h := sha256.New()
	pipe := c.rdb.Pipeline()
	var (
		batch   strings.Builder
		inBatch int
		pending int
	)
	flush := func(final bool) error {
		if inBatch > 0 {
			i := strconv.FormatInt(batches, 10)
			pipe.HSet(ctx, k.batches, i, batch.String())
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: k.queue, Values: []any{"b", i}})
			pending += batch.Len()
			batches++
			batch.Reset()
			inBatch = 0
		}
		if pending >= loadFlushBytes || final && pending > 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return fmt.Errorf("pushredis: Redis: %w", err)
			}
			pending = 0
		}
		return nil
	}
	err = dedup(ids, func(id string) error {
		if inBatch > 0 {
			batch.WriteByte('\n')
		}
		batch.WriteString(id)
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
		inBatch++
		n++
		if inBatch == size {
			return flush(false)
		}
		return nil
	})
	if err == nil {
		err = flush(true)
	}
	return n, batches, hex.EncodeToString(h.Sum(nil)), err
}

// fingerprintIDs hashes the de-duplicated ids as load does, without
// storing them.
func fingerprintIDs(ids iter.Seq2[string, error]) (string, error) {
	h := sha256.New()
	err := dedup(ids, func(id string) error {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// validID reports whether id is a channel id: 1–64 ASCII digits.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// inMemoryIDs is how many ids dedup handles in memory; past it, it
// spills to temporary files.
const inMemoryIDs = 1 << 16

// partitions is how many temporary files the ids are spread over by hash;
// each is de-duplicated alone, in memory: 10^7 ids make partitions of
// about 160 000 ids.
const partitions = 64

// dedup calls emit with each distinct id in order of first appearance,
// with bounded memory: the first 65 536 ids in memory, and past that in
// three passes over temporary files — spread the (position, id) pairs
// over files by the id's hash; drop the repeats of each file in memory;
// merge the files by position.
func dedup(ids iter.Seq2[string, error], emit func(string) error) error {
	var (
		pos   int64
		mem   []string
		spill *spiller
	)
	defer func() {
		if spill != nil {
			spill.close()
		}
	}()
	for id, err := range ids {
		if err != nil {
			return err
		}
		if !validID(id) {
			return fmt.Errorf("%w: id %d: %q is not a channel id (1–64 digits)", ErrInvalid, pos+1, short(id))
		}
		if spill == nil && len(mem) < inMemoryIDs {
			mem = append(mem, id)
			pos++
			continue
		}
		if spill == nil {
			var err error
			if spill, err = newSpiller(); err != nil {
				return err
			}
			for i, m := range mem {
				if err := spill.add(int64(i), m); err != nil {
					return err
				}
			}
			mem = nil
		}
		if err := spill.add(pos, id); err != nil {
			return err
		}
		pos++
	}
	if spill == nil {
		seen := make(map[string]struct{}, len(mem))
		for _, id := range mem {
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				if err := emit(id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return spill.emit(emit)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// spiller spreads (position, id) pairs over temporary files by hash.
type spiller struct {
	seed  maphash.Seed
	files [partitions]*os.File
	w     [partitions]*bufio.Writer
}

func newSpiller() (*spiller, error) {
	s := &spiller{seed: maphash.MakeSeed()}
	for i := range s.files {
		f, err := os.CreateTemp("", "pushredis-ids-*")
		if err != nil {
			s.close()
			return nil, fmt.Errorf("pushredis: temporary file for de-duplication: %w", err)
		}
		s.files[i], s.w[i] = f, bufio.NewWriterSize(f, 32<<10)
	}
	return s, nil
}

func (s *spiller) add(pos int64, id string) error {
	p := maphash.String(s.seed, id) % partitions
	w := s.w[p]
	w.WriteString(strconv.FormatInt(pos, 10))
	w.WriteByte('\t')
	w.WriteString(id)
	return w.WriteByte('\n')
}

func (s *spiller) close() {
	for _, f := range s.files {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// emit drops the repeats of each partition in memory (its survivors stay
// in position order) and merges the partitions by position.
func (s *spiller) emit(emit func(string) error) error {
	for i, f := range s.files {
		if err := s.w[i].Flush(); err != nil {
			return err
		}
		if err := keepFirst(f); err != nil {
			return err
		}
	}
	h := &mergeHeap{}
	for _, f := range s.files {
		r := bufio.NewReaderSize(f, 32<<10)
		if e, ok, err := readEntry(r); err != nil {
			return err
		} else if ok {
			heap.Push(h, mergeItem{entry: e, r: r})
		}
	}
	for h.Len() > 0 {
		top := (*h)[0]
		if err := emit(top.id); err != nil {
			return err
		}
		e, ok, err := readEntry(top.r)
		switch {
		case err != nil:
			return err
		case ok:
			(*h)[0].entry = e
			heap.Fix(h, 0)
		default:
			heap.Pop(h)
		}
	}
	return nil
}

// keepFirst rewrites a partition file with the first appearance of each
// id only, and rewinds it.
func keepFirst(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	seen := map[string]struct{}{}
	var kept []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1024)
	for sc.Scan() {
		line := sc.Text()
		_, id, _ := strings.Cut(line, "\t")
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			kept = append(kept, line)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 32<<10)
	for _, line := range kept {
		w.WriteString(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

type entry struct {
	pos int64
	id  string
}

func readEntry(r *bufio.Reader) (entry, bool, error) {
	line, err := r.ReadString('\n')
	if err == io.EOF && line == "" {
		return entry{}, false, nil
	}
	if err != nil {
		return entry{}, false, err
	}
	p, id, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
	pos, perr := strconv.ParseInt(p, 10, 64)
	if !ok || perr != nil {
		return entry{}, false, fmt.Errorf("pushredis: corrupt temporary file (line %q)", short(line))
	}
	return entry{pos, id}, true, nil
}

type mergeItem struct {
	entry
	r *bufio.Reader
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return h[i].pos < h[j].pos }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
