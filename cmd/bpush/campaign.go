package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// envRedisURL stands for --redis.
const envRedisURL = "BAIDU_PUSH_REDIS_URL"

// redisFlags are the flags every campaign command shares.
type redisFlags struct {
	url    string
	prefix string
}

// resolved is the Redis URL in use: --redis, else the environment.
func (r *redisFlags) resolved() string {
	if r.url != "" {
		return r.url
	}
	return os.Getenv(envRedisURL)
}

func (r *redisFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.url, "redis", "", "the Redis that holds campaigns: redis://host:6379/0 (also "+envRedisURL+"; Cluster and Sentinel: see bpush campaign --help)")
	cmd.Flags().StringVar(&r.prefix, "redis-prefix", "pushsdk:", "prefix of the Redis keys")
}

// redisLog routes go-redis's own log lines (a dial that failed, …) to
// --verbose: the error that matters reaches the user once, as bpush's.
type redisLog struct{ a *app }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.a.note("redis: " + fmt.Sprintf(format, v...))
}

// campaigns connects to the campaigns' Redis.
func (r *redisFlags) campaigns(a *app) (*pushredis.Campaigns, redis.UniversalClient, error) {
	redis.SetLogger(redisLog{a})
	u := r.resolved()
	if u == "" {
		return nil, nil, errors.New("no Redis: give --redis redis://host:6379/0 or " + envRedisURL)
	}
	rdb, err := pushredis.NewClient(u)
	if err != nil {
		return nil, nil, err
	}
	cs, err := pushredis.NewCampaigns(rdb, pushredis.WithPrefix(r.prefix))
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return cs, rdb, nil
}

func (a *app) campaignCommand() *cobra.Command {
	cmd := group("campaign", "Push to millions of devices from many machines: campaigns in Redis that any number of workers run",
		`  bpush campaign create sale --redis redis://127.0.0.1:6379/0 --ids-file devices.txt --title Sale --description "50% off"
  bpush campaign run sale --redis redis://127.0.0.1:6379/0 --rate-limit 50     # on as many machines as you like
  bpush campaign status sale --redis redis://127.0.0.1:6379/0 --failed-file retry.txt`,
		a.campaignCreateCommand(), a.campaignRunCommand(), a.campaignStatusCommand(), a.campaignListCommand(), a.campaignDeleteCommand())
	cmd.Long = `A campaign is a message to a list of ids of any length, stored in Redis and cut
into batches (10 000 ids by default, --batch-size). Workers — "bpush campaign
run", on any number of machines — claim batches under a lease (a Redis stream
consumer group), record each batch's start before sending it and its outcome
after, and share one rate limit through Redis (--rate-limit). A worker that is
killed loses its batches to the others when its lease expires: a batch it
claimed but had not started is sent by another; one it started is uncertain
(it may have been delivered), reported and not sent again unless
--resend-uncertain. A batch that failed (provably not processed) is sent again
by the next "campaign run". An id listed twice is pushed once; creating a
campaign again with another list or message is refused.

Redis: --redis or ` + envRedisURL + `: redis://[user:password@]host:6379/0 (rediss://
for TLS); Redis Cluster: redis://node1:6379?addr=node2:6379&cluster=1;
Sentinel: redis://sentinel1:26379?addr=sentinel2:26379&master_name=mymaster.
A campaign's keys share the hash tag {NAME} (one Cluster slot) and expire
--keep (7 days) after it ends; "campaign delete" removes them at once.`
	return cmd
}

func (a *app) campaignCreateCommand() *cobra.Command {
	var (
		rf        redisFlags
		p         pushFlags
		idsFile   string
		batchSize int
		keep      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "create NAME --ids-file FILE",
		Short: "Store a campaign in Redis: its ids (streamed, any number) and its message",
		Example: `  bpush campaign create sale --redis redis://127.0.0.1:6379/0 --ids-file devices.txt --title Sale --description "50% off"
  cut -f1 devices.tsv | bpush campaign create news --ids-file - --msg '{"type":"news"}' --batch-size 5000`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if idsFile == "" {
				return errors.New("--ids-file is required (- for stdin)")
			}
			if _, err := checkFiles(runFile{flag: "--ids-file", path: idsFile}, runFile{flag: "--msg-file", path: p.msgFile}); err != nil {
				return err
			}
			if batchSize < 1 || batchSize > pushsdk.MaxBatchDevices {
				return fmt.Errorf("--batch-size %d: want 1–%d", batchSize, pushsdk.MaxBatchDevices)
			}
			msg, opts, err := p.message(a)
			if err != nil {
				return err
			}
			if err := a.checkMessage(msg, opts); err != nil {
				return err
			}
			cs, rdb, err := rf.campaigns(a)
			if err != nil {
				return err
			}
			defer rdb.Close()
			var in io.Reader = a.stdin
			name := "stdin"
			if idsFile != "-" {
				f, err := os.Open(idsFile)
				if err != nil {
					return err
				}
				defer f.Close()
				in, name = f, idsFile
			}
			a.note("reading channel ids from " + name)
			read := 0
			progress := a.progress("loading", -1)
			ids := func(yield func(string, error) bool) {
				for id, err := range idLines(in, name, 0) {
					if err != nil {
						err = &idListError{err}
					} else if a.stop.Err() != nil {
						err = context.Cause(a.stop)
					}
					if !yield(id, err) || err != nil {
						return
					}
					if read++; read%10000 == 0 {
						progress(read)
					}
				}
			}
			spec := pushredis.CampaignSpec{Name: args[0], Msg: msg, Options: opts, BatchSize: batchSize, App: a.appKey(), Keep: keep}
			st, err := cs.Create(a.stop, spec, iter.Seq2[string, error](ids))
			if err != nil {
				return campaignError(err)
			}
			return a.emitStatus(st)
		},
	}
	rf.register(cmd)
	p.register(cmd.Flags(), false, true)
	cmd.Flags().StringVar(&idsFile, "ids-file", "", "the channel ids, one per line (- for stdin)")
	cmd.Flags().IntVar(&batchSize, "batch-size", pushsdk.MaxBatchDevices, "ids per push/batch_device call (1–10000)")
	cmd.Flags().DurationVar(&keep, "keep", pushredis.DefaultKeep, "how long Redis keeps the campaign after it ends")
	return cmd
}

// campaignError sorts a campaign command's errors: what the command line
// asked for that cannot be — an invalid campaign or id list, another
// campaign of the same name — is a usage error (exit 2), as a journal of
// another job is for push batch; the rest are failures (exit 1).
func campaignError(err error) error {
	var bad *idListError
	if errors.Is(err, pushredis.ErrInvalid) || errors.Is(err, pushredis.ErrConflict) || errors.As(err, &bad) {
		return err
	}
	return fail(err)
}

// idListError is a problem of the id list given (a line that is not an
// id): a usage error.
type idListError struct{ err error }

func (e *idListError) Error() string { return e.err.Error() }
func (e *idListError) Unwrap() error { return e.err }

// checkMessage lets the SDK check the message and options as it will when
// a worker sends them, without keys or a network.
func (a *app) checkMessage(msg string, opts *pushsdk.PushOptions) error {
	var o []pushsdk.Option
	if a.deviceType != "" {
		dt, err := parseDeviceType(a.deviceType)
		if err != nil {
			return err
		}
		o = append(o, pushsdk.WithDeviceType(dt))
	}
	c, err := pushsdk.NewChannel("check", "check", o...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing is sent
	_, err = c.PushToDevices(ctx, []string{"1"}, msg, opts)
	if pushsdk.ErrorCode(err) == pushsdk.CodeSDKParams {
		return err
	}
	return nil
}

// appKey is the API key bpush is configured with, or "" without one.
func (a *app) appKey() string {
	if a.useEmu {
		return ""
	}
	cfg, err := a.config()
	if err != nil {
		return ""
	}
	return cfg.APIKey
}

func (a *app) campaignRunCommand() *cobra.Command {
	var (
		rf              redisFlags
		concurrency     int
		rateLimit       float64
		burst           int
		lease           time.Duration
		resendUncertain bool
	)
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Be one worker of a campaign: send batches until none is left (start as many as you like, anywhere)",
		Long: `Be one worker of a campaign. It first queues again the batches that failed
(and with --resend-uncertain the uncertain ones), then claims batches one at a
time per --concurrency, records each batch's start in Redis before sending it
and its outcome after, renews its leases while it sends, and exits when no
batch is left: none queued and none in flight with any worker (it waits for
the leases of dead workers to expire, then takes their batches over).

--rate-limit R (calls a second, bursts of at most --burst) is shared through
Redis by every worker of the app (the key is the app's API key): together they
stay within R, and a 30699 seen by one lowers the rate for all.

The first SIGINT or SIGTERM claims no new batch and lets those under way
finish and be recorded; a second abandons them (they stay started: uncertain).
Exit status: 0 when the campaign ended with every id sent, 1 when ids failed
or are uncertain (see campaign status) or Redis failed, 2 on a usage error,
130/143 when ended by SIGINT/SIGTERM.`,
		Example: `  bpush campaign run sale --redis redis://127.0.0.1:6379/0
  BAIDU_PUSH_REDIS_URL=redis://10.0.0.5:6379/0 bpush campaign run sale --concurrency 8 --rate-limit 50 --lease 1m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case concurrency < 1 || concurrency > 256:
				return fmt.Errorf("--concurrency %d: want 1–256", concurrency)
			case rateLimit < 0:
				return fmt.Errorf("--rate-limit %v: want calls a second, more than 0", rateLimit)
			case burst < 1:
				return fmt.Errorf("--burst %d: want at least 1", burst)
			case lease < 100*time.Millisecond:
				return fmt.Errorf("--lease %v: want at least 100ms", lease)
			}
			cs, rdb, err := rf.campaigns(a)
			if err != nil {
				return err
			}
			defer rdb.Close()
			var extra []pushsdk.Option
			app := a.appKey()
			if rateLimit > 0 {
				key := "pushsdk:limit:" + app
				lim, err := pushredis.NewLimiter(rdb, key, rateLimit, burst)
				if err != nil {
					return err
				}
				extra = append(extra, pushsdk.WithRateLimiter(lim))
			}
			c, err := a.channel(extra...)
			if err != nil {
				return err
			}
			st, err := cs.Status(a.stop, args[0])
			if err != nil {
				return campaignError(err)
			}
			progress := a.progress("campaign "+args[0], int(st.IDs))
			done := st.Succeeded.IDs + st.Failed.IDs + st.Uncertain.IDs
			var mu sync.Mutex
			var rows []batchJSON
			res, runErr := cs.Run(a.hard, args[0], c, &pushredis.RunOptions{
				Concurrency: concurrency, Lease: lease, ResendUncertain: resendUncertain, App: app, Stop: a.stop,
				OnBatch: func(o pushredis.BatchOutcome) {
					mu.Lock()
					defer mu.Unlock()
					rows = append(rows, outcomeRow(o))
					done += int64(o.IDs)
					progress(int(done))
				},
			})
			if res == nil {
				return campaignError(runErr)
			}
			// What this worker did, then where the campaign stands.
			final, serr := cs.Status(context.WithoutCancel(a.stop), args[0])
			out := struct {
				Worker     string            `json:"worker"`
				Batches    []batchJSON       `json:"batches"`
				Requeued   int64             `json:"requeued"`
				Unrecorded int               `json:"unrecorded"`
				Campaign   *pushredis.Status `json:"campaign,omitempty"`
			}{res.Worker, rows, res.Requeued, len(res.Unrecorded), final}
			if out.Batches == nil {
				out.Batches = []batchJSON{}
			}
			if err := a.emit(out, func(w io.Writer) { batchTable(w, rows) }); err != nil {
				return fail(err)
			}
			if !a.jsonOut {
				fmt.Fprintf(a.stdout, "worker %s: %d batches: %d ok, %d failed, %d uncertain", res.Worker, len(rows),
					res.Succeeded.Batches, res.Failed.Batches, res.Uncertain.Batches)
				if res.Requeued > 0 {
					fmt.Fprintf(a.stdout, " (%d queued again)", res.Requeued)
				}
				fmt.Fprintln(a.stdout)
				if final != nil {
					campaignSummary(a.stdout, final)
				}
			}
			for _, u := range res.Unrecorded {
				fmt.Fprintf(a.stderr, "bpush: batch %d: %s, but Redis could not record it (it stays started there: uncertain)\n", u.Batch, outcomeText(u))
			}
			switch {
			case runErr != nil && strings.Contains(runErr.Error(), "Redis:"):
				return failf("%v; this worker stopped, and what Redis recorded is kept: run bpush campaign run %s again once Redis at %s is back",
					runErr, args[0], pushredis.RedactURL(rf.resolved()))
			case runErr != nil:
				return fail(runErr)
			case serr != nil:
				return fail(serr)
			case a.stop.Err() != nil:
				return nil // the exit status says interrupted
			case !final.Done:
				return failf("campaign %s is not done: %d ids pending, %d in flight", args[0], final.Pending.IDs, final.InFlight.IDs)
			case final.Failed.IDs+final.Uncertain.IDs > 0:
				return failf("campaign %s: %d of %d ids not done: %d failed (bpush campaign run sends them again), %d uncertain",
					args[0], final.Failed.IDs+final.Uncertain.IDs, final.IDs, final.Failed.IDs, final.Uncertain.IDs)
			}
			return nil
		},
	}
	rf.register(cmd)
	fl := cmd.Flags()
	fl.IntVar(&concurrency, "concurrency", 4, "batches under way at once in this worker (1–256)")
	fl.Float64Var(&rateLimit, "rate-limit", 0, "calls a second for all workers of the app together, through Redis (0: no limit)")
	fl.IntVar(&burst, "burst", 1, "the most calls --rate-limit lets start at once")
	fl.DurationVar(&lease, "lease", 30*time.Second, "how long a batch stays with a worker that stops renewing it")
	fl.BoolVar(&resendUncertain, "resend-uncertain", false, "send again the batches whose outcome is unknown (may deliver twice)")
	return cmd
}

func outcomeRow(o pushredis.BatchOutcome) batchJSON {
	row := batchJSON{Batch: int(o.Batch) + 1, Devices: o.IDs, Outcome: o.State.String()}
	if r := o.Result; r != nil {
		row.RequestID, row.MsgID, row.SendTime = r.RequestID, r.MsgID, unixOrZero(r.SendTime)
	}
	var ce *pushsdk.ChannelError
	if errors.As(o.Err, &ce) && ce != nil {
		row.RequestID, row.ErrorCode, row.ErrorMsg = ce.RequestID, ce.Code, clean(errText(ce))
	} else if o.Err != nil {
		row.ErrorMsg = clean(o.Err.Error())
	}
	return row
}

func outcomeText(o pushredis.BatchOutcome) string {
	if o.Result != nil {
		return "ok (msg id " + o.Result.MsgID + ")"
	}
	if o.Err != nil {
		return o.State.String() + ": " + clean(o.Err.Error())
	}
	return o.State.String()
}

// batchTable is the table of a fan-out's batches.
func batchTable(w io.Writer, rows []batchJSON) {
	fmt.Fprintln(w, "BATCH\tDEVICES\tOUTCOME\tMSG_ID\tREQUEST_ID\tDETAIL")
	for _, b := range rows {
		detail := ""
		switch {
		case b.ErrorCode != 0:
			detail = fmt.Sprintf("error %d: %s", b.ErrorCode, b.ErrorMsg)
		case b.ErrorMsg != "":
			detail = b.ErrorMsg
		}
		if b.Earlier {
			detail = strings.TrimPrefix(detail+"; from an earlier run", "; ")
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%d\t%s\n", b.Batch, b.Devices, b.Outcome, dash(b.MsgID), b.RequestID, dash(detail))
	}
}

// campaignSummary is the closing line about a campaign.
func campaignSummary(w io.Writer, st *pushredis.Status) {
	fmt.Fprintf(w, "campaign %s: %d ids in %d batches: %d ok, %d failed, %d uncertain, %d pending, %d in flight\n", st.Spec.Name,
		st.IDs, st.Batches, st.Succeeded.IDs, st.Failed.IDs, st.Uncertain.IDs, st.Pending.IDs, st.InFlight.IDs)
}

func (a *app) emitStatus(st *pushredis.Status) error {
	return fail(a.emit(st, func(w io.Writer) {
		fmt.Fprintln(w, "STATE\tIDS\tBATCHES")
		for _, r := range []struct {
			name string
			n    pushredis.Count
		}{{"pending", st.Pending}, {"in flight", st.InFlight}, {"ok", st.Succeeded}, {"failed", st.Failed}, {"uncertain", st.Uncertain}} {
			fmt.Fprintf(w, "%s\t%d\t%d\n", r.name, r.n.IDs, r.n.Batches)
		}
		fmt.Fprintf(w, "total\t%d\t%d\n", st.IDs, st.Batches)
	}))
}

func (a *app) campaignStatusCommand() *cobra.Command {
	var (
		rf                        redisFlags
		failedFile, uncertainFile string
	)
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Where a campaign stands: ids and batches pending, in flight, ok, failed, uncertain",
		Long: `Count a campaign's ids and batches by state: pending, in flight (started, no
outcome yet), ok, failed (provably not processed: the next campaign run sends
them again) and uncertain (may have been delivered). --failed-file and
--uncertain-file write those ids, one a line (replaced; empty when none).
Exit status 0 when the status was read, whatever it says.`,
		Example: `  bpush campaign status sale --redis redis://127.0.0.1:6379/0
  bpush campaign status sale --json --failed-file retry.txt --uncertain-file check.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := checkFiles(runFile{flag: "--failed-file", path: failedFile, output: true},
				runFile{flag: "--uncertain-file", path: uncertainFile, output: true})
			if err != nil {
				return err
			}
			cs, rdb, err := rf.campaigns(a)
			if err != nil {
				return err
			}
			defer rdb.Close()
			st, err := cs.Status(a.stop, args[0])
			if err != nil {
				return campaignError(err)
			}
			for _, f := range files.outputs() {
				state := map[string]string{"--failed-file": "failed", "--uncertain-file": "uncertain"}[f.flag]
				if err := writeIDsFrom(f.real, func(fn func([]string) error) error { return cs.IDs(a.stop, args[0], state, fn) }); err != nil {
					return fail(fmt.Errorf("%s: %w", f.name(), err))
				}
			}
			if err := a.emitStatus(st); err != nil {
				return err
			}
			if !a.jsonOut {
				campaignSummary(a.stdout, st)
			}
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().StringVar(&failedFile, "failed-file", "", "write the failed ids here (safe to send again)")
	cmd.Flags().StringVar(&uncertainFile, "uncertain-file", "", "write the uncertain ids here (may have been delivered)")
	return cmd
}

func (a *app) campaignListCommand() *cobra.Command {
	var rf redisFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the campaigns Redis holds",
		Example: "  bpush campaign list --redis redis://127.0.0.1:6379/0",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs, rdb, err := rf.campaigns(a)
			if err != nil {
				return err
			}
			defer rdb.Close()
			list, err := cs.List(a.stop)
			if err != nil {
				return fail(err)
			}
			if list == nil {
				list = []pushredis.Summary{}
			}
			return fail(a.emit(list, func(w io.Writer) {
				fmt.Fprintln(w, "NAME\tIDS\tBATCHES\tCREATED\tENDED")
				for _, s := range list {
					created := when(s.Created)
					if s.Loading {
						created += " (loading)"
					}
					fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", s.Name, s.IDs, s.Batches, created, when(s.Ended))
				}
			}))
		},
	}
	rf.register(cmd)
	return cmd
}

func (a *app) campaignDeleteCommand() *cobra.Command {
	var rf redisFlags
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a campaign and all it recorded (workers still running it stop)",
		Example: "  bpush campaign delete sale --redis redis://127.0.0.1:6379/0",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, rdb, err := rf.campaigns(a)
			if err != nil {
				return err
			}
			defer rdb.Close()
			if err := cs.Delete(a.stop, args[0]); err != nil {
				return campaignError(err)
			}
			if !a.jsonOut {
				fmt.Fprintf(a.stdout, "campaign %s deleted\n", args[0])
			}
			return nil
		},
	}
	rf.register(cmd)
	return cmd
}
