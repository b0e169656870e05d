package pushsdk

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bdpush/pushsdk/internal/hooks"
)

// Version is the version of this SDK, as sent in the User-Agent.
const Version = "1.1.0"

// Defaults: the service's host, reached over https, and the bounds of
// each attempt.
const (
	defaultHost           = "api.push.baidu.com"
	defaultTimeout        = 30 * time.Second
	defaultConnectTimeout = 5 * time.Second
)

const timeSecond = time.Second

// credentials is an immutable key pair; SetCredentials swaps the pointer.
type credentials struct {
	apiKey, secretKey string
}

// options is what the Option functions set.
type options struct {
	host           string
	httpClient     *http.Client
	timeout        time.Duration
	connectTimeout time.Duration
	deviceType     DeviceType
	uaSuffix       string
	sigTTL         time.Duration
	retry          RetryPolicy
	logger         *slog.Logger
	observers      []*Observer
	maxIOSMsg      int
	now            func() time.Time
	rateLimit      RateLimiter
}

// Option configures a [Channel]. An Option that gets a bad value makes
// [NewChannel] fail with a [CodeSDKInit] error.
type Option func(*options) error

// WithHost sets the service address: a bare host ("api.tuisong.baidu.com",
// reached over https) or a URL with scheme http or https, optionally with a
// port and a path prefix ("http://127.0.0.1:8088"). The default is
// api.push.baidu.com over https.
func WithHost(hostOrURL string) Option {
	return func(o *options) error {
		if strings.TrimSpace(hostOrURL) == "" {
			return fmt.Errorf("WithHost: empty host")
		}
		o.host = hostOrURL
		return nil
	}
}

// WithHTTPClient makes the Channel send through c (for proxies, tracing,
// custom TLS). The client is copied, and the copy never follows redirects
// (its CheckRedirect is replaced): a signed request goes nowhere but to the
// service. [WithTimeout] (30 s by default) bounds each attempt through it
// too, on top of c's own Timeout; [WithConnectTimeout] is ignored because it
// only shapes the SDK's own transport.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("WithHTTPClient: nil client")
		}
		o.httpClient = c
		return nil
	}
}

// WithTimeout bounds each HTTP attempt as a whole, from dialling to the last
// byte of the answer (default 30 s), whatever client the Channel sends
// through ([WithHTTPClient] included) and whatever the server answers. Bound
// a whole call, retries included, with a ctx deadline.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithTimeout: %v is not positive", d)
		}
		o.timeout = d
		return nil
	}
}

// WithConnectTimeout bounds establishing a connection, TLS included
// (default 5 s).
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithConnectTimeout: %v is not positive", d)
		}
		o.connectTimeout = d
		return nil
	}
}

// WithDeviceType sends device_type on every call, which picks the Android or
// iOS app of a key migrated from API 2.0, and enables the client-side checks
// of that platform's message rules. [PushOptions].DeviceType overrides it
// for one push.
func WithDeviceType(t DeviceType) Option {
	return func(o *options) error {
		if t != DeviceAndroid && t != DeviceIOS {
			return fmt.Errorf("WithDeviceType: %d is neither DeviceAndroid (3) nor DeviceIOS (4)", int(t))
		}
		o.deviceType = t
		return nil
	}
}

// WithUserAgent appends suffix to the SDK's User-Agent, which must start
// with "BCCS_SDK/3.0" for the service to take the call.
func WithUserAgent(suffix string) Option {
	return func(o *options) error {
		for _, r := range suffix {
			if r < 0x20 || r == 0x7f {
				return fmt.Errorf("WithUserAgent: control character in suffix")
			}
		}
		o.uaSuffix = strings.TrimSpace(suffix)
		return nil
	}
}

// WithSignatureTTL sends expires = timestamp + d (whole seconds, at least
// one) with every request, so that a captured request cannot be replayed
// after d. Without it no expires is sent, and the service accepts a
// signature for 10 minutes after its timestamp.
func WithSignatureTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < timeSecond {
			return fmt.Errorf("WithSignatureTTL: %v is shorter than one second", d)
		}
		o.sigTTL = d
		return nil
	}
}

// WithRetry sets how often and how patiently failed calls are retried;
// MaxRetries 0 switches retries off. Which failures are retried is fixed by
// the SDK: see the package documentation. Without this option a Channel
// uses [DefaultRetryPolicy].
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxRetries < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
			return fmt.Errorf("WithRetry: negative value in %+v", p)
		}
		o.retry = p
		return nil
	}
}

// WithLogger makes the Channel log one debug line per HTTP attempt
// (endpoint, attempt, HTTP status, service code, request id, error,
// duration), logged with the call's ctx (slog's LogAttrs), so that a
// trace-aware handler adds the ids of the span the call runs in. The secret
// key, the signature and the message are never logged. nil switches
// logging off (the default); the last WithLogger wins. It is an
// [Observer], as WithObserver installs them.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// WithMaxIOSMessageBytes sets the client-side limit on iOS messages:
// 256 (the default, the Python SDK's guard for iOS 7 and older devices) up to
// 4096 (the service's limit).
func WithMaxIOSMessageBytes(n int) Option {
	return func(o *options) error {
		if n < defaultMaxIOSMsgBytes || n > maxMsgBytes {
			return fmt.Errorf("WithMaxIOSMessageBytes: %d is outside 256…4096", n)
		}
		o.maxIOSMsg = n
		return nil
	}
}

// WithObserver adds an Observer to the Channel. Several observers (a
// logger, OpenTelemetry, your metrics) all see every event, in the order
// they were given; the ctx a Start hook returns is passed to the next
// one's.
func WithObserver(o *Observer) Option {
	return func(opts *options) error {
		if o == nil {
			return fmt.Errorf("WithObserver: nil observer")
		}
		opts.observers = append(opts.observers, o)
		return nil
	}
}

func init() {
	// pushtest signs with the emulator's clock; users have no need of it.
	hooks.WithClock = func(now func() time.Time) any {
		return Option(func(o *options) error {
			if now == nil {
				return fmt.Errorf("WithClock: nil clock")
			}
			o.now = now
			return nil
		})
	}
}

// Channel is a client of the Baidu Cloud Push REST API 3.0 for one app.
//
// A Channel is safe for concurrent use by multiple goroutines; create one per
// app (API key) and reuse it, so that its pooled connections are reused too.
// Its configuration is fixed at construction, except the key pair, which
// [Channel.SetCredentials] replaces atomically. No method keeps per-call
// state on it: every result and every error carries its own request id.
type Channel struct {
	creds      atomic.Pointer[credentials]
	baseURL    string // scheme://host[:port][/prefix], no trailing slash
	urls       [numEndpoints]string
	client     *http.Client
	traced     bool          // the client's transport reports connections through httptrace
	timeout    time.Duration // bounds each attempt
	deviceType DeviceType
	userAgent  string
	sigTTL     int64 // seconds; 0 = no expires
	retry      RetryPolicy
	obs        *Observer // nil: none
	maxIOSMsg  int
	now        func() time.Time
	limit      RateLimiter // nil: no limit
}

// NewChannel returns a Channel for the app with the given key pair. It fails
// with a [CodeSDKInit] error on an empty key or a bad option. It reads no file
// and no environment variable; see [LoadConfig] for that.
func NewChannel(apiKey, secretKey string, opts ...Option) (*Channel, error) {
	o := options{
		host:           defaultHost,
		connectTimeout: defaultConnectTimeout,
		retry:          DefaultRetryPolicy,
		maxIOSMsg:      defaultMaxIOSMsgBytes,
		now:            time.Now,
	}
	for i, opt := range opts {
		if opt == nil {
			return nil, initError("option " + strconv.Itoa(i) + " is nil")
		}
		if err := opt(&o); err != nil {
			return nil, initError(err.Error())
		}
	}
	if err := checkKeys(apiKey, secretKey); err != nil {
		return nil, initError(err.Error() + " (NewChannel takes the app's API key and secret key, as the push console shows them)")
	}
	base, err := parseBaseURL(o.host)
	if err != nil {
		return nil, initError(err.Error())
	}
	c := &Channel{
		baseURL:    base,
		deviceType: o.deviceType,
		userAgent:  userAgent(o.uaSuffix),
		sigTTL:     int64(o.sigTTL / timeSecond),
		retry:      o.retry,
		maxIOSMsg:  o.maxIOSMsg,
		now:        o.now,
		limit:      o.rateLimit,
	}
	for i := range c.urls {
		c.urls[i] = base + apiPrefix + endpoints[i].path
	}
	if o.logger != nil {
		o.observers = append([]*Observer{loggerObserver(o.logger)}, o.observers...)
	}
	c.obs = joinObservers(o.observers)
	c.timeout = o.timeout
	if c.timeout == 0 {
		c.timeout = defaultTimeout
	}
	if o.httpClient != nil {
		hc := *o.httpClient
		_, std := hc.Transport.(*http.Transport)
		c.traced = hc.Transport == nil || std
		c.client = &hc
	} else {
		c.client = &http.Client{Transport: newTransport(o.connectTimeout)}
		c.traced = true
	}
	c.client.CheckRedirect = noRedirects
	c.creds.Store(&credentials{apiKey, secretKey})
	return c, nil
}

// ready reports whether c was made by [NewChannel]: a nil or zero Channel
// cannot send, and its methods say so instead of panicking.
func (c *Channel) ready() bool { return c != nil && c.client != nil }

// notReady is the error of every call on a Channel that is not ready.
func notReady() *ChannelError {
	return initError("the Channel is nil or a zero value; make it with NewChannel or NewChannelFromConfig")
}

func checkKeys(apiKey, secretKey string) error {
	var missing []string
	if strings.TrimSpace(apiKey) == "" {
		missing = append(missing, "API key")
	}
	if strings.TrimSpace(secretKey) == "" {
		missing = append(missing, "secret key")
	}
	if len(missing) > 0 {
		return fmt.Errorf("empty %s", strings.Join(missing, " and "))
	}
	return nil
}

// idleConnTimeout is how long the SDK's own transport keeps an idle
// connection: well below the keep-alive limits servers and load balancers
// commonly use (nginx 75 s, cloud load balancers 60 s), so that the SDK
// closes an idle connection before the server does. A push written into a
// connection the server is closing at that moment could not be told apart
// from one that was processed.
const idleConnTimeout = 30 * time.Second

// noRedirects stops the client at a redirect: the answer itself is
// returned, and the pipeline reports it as an error. A signed request is
// never sent anywhere but where it was signed for.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newTransport is the SDK's own transport: pooled keep-alive connections
// sized for many goroutines sharing one Channel, proxies from the
// environment, and bounded connection set-up.
func newTransport(connectTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connectTimeout
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = idleConnTimeout
	t.ForceAttemptHTTP2 = true
	return t
}

// parseBaseURL turns a host or URL into scheme://host[:port][/prefix].
// Errors name the host with any user and password in it masked
// (redactHost): they are credentials of a proxy or gateway.
func parseBaseURL(hostOrURL string) (string, error) {
	s := strings.TrimSpace(hostOrURL)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	shown := strconv.Quote(redactHost(hostOrURL))
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, credentials and all
		}
		return "", fmt.Errorf("host %s: %v", shown, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("host %s: scheme must be http or https", shown)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("host %s: no host name", shown)
	case u.User != nil:
		return "", fmt.Errorf("host %s: a user or password in the URL is not allowed (the service takes none; a proxy goes in WithHTTPClient)", shown)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Errorf("host %s: query and fragment are not allowed", shown)
	}
	if _, port, err := net.SplitHostPort(u.Host); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("host %s: bad port", shown)
		}
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// redactHost masks the user and password of a URL ("http://***@host"), so
// that a host can be printed; a bare host comes back as it is.
func redactHost(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return prefix + "***@" + rest[at+1:]
	}
	return s
}

func userAgent(suffix string) string {
	ua := "BCCS_SDK/3.0 (" + runtime.GOOS + "; " + runtime.GOARCH + ") Go/" +
		strings.TrimPrefix(runtime.Version(), "go") + " (Baidu Push Server SDK for Go v" + Version + ")"
	if suffix != "" {
		ua += " " + suffix
	}
	return ua
}

// SetCredentials replaces the key pair, atomically: a call that is already
// under way finishes with the pair it started with (each attempt signs with
// the pair current when it starts), and every attempt that starts afterwards
// uses the new one. An empty key is a [CodeSDKParams] error and changes
// nothing.
func (c *Channel) SetCredentials(apiKey, secretKey string) error {
	if !c.ready() {
		return notReady()
	}
	if err := checkKeys(apiKey, secretKey); err != nil {
		return paramsError([]FieldError{{Field: "credentials", Reason: err.Error()}})
	}
	c.creds.Store(&credentials{apiKey, secretKey})
	return nil
}

// String describes the Channel without its secret key, e.g.
// `pushsdk.Channel{host: "https://api.push.baidu.com", apikey: "tf9G…Ohyb"}`.
// The Channel holds its keys out of reach of fmt's other verbs too.
func (c *Channel) String() string {
	if !c.ready() {
		return "pushsdk.Channel{} (not made by NewChannel)"
	}
	s := "pushsdk.Channel{host: " + strconv.Quote(c.baseURL) + ", apikey: " + strconv.Quote(maskKey(c.creds.Load().apiKey))
	if c.deviceType != 0 {
		s += ", device_type: " + c.deviceType.String()
	}
	return s + "}"
}

// maskKey keeps the first and last four characters of a key.
func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + "…" + k[len(k)-4:]
}

func (c *Channel) deviceTypeFor(call DeviceType) DeviceType {
	if call != 0 {
		return call
	}
	return c.deviceType
}

// ExplainSignature shows how the Channel would sign a call to path (e.g.
// "push/all") with params, now: the common parameters (apikey, timestamp,
// expires, device_type) are added as for a real call. It returns nil for a
// Channel not made by [NewChannel].
func (c *Channel) ExplainSignature(path string, params url.Values) *SignatureExplanation {
	if !c.ready() {
		return nil
	}
	creds := c.creds.Load()
	all := url.Values{}
	for k, v := range params {
		all[k] = v
	}
	ts := c.now().Unix()
	all.Set("apikey", creds.apiKey)
	all.Set("timestamp", strconv.FormatInt(ts, 10))
	if c.sigTTL > 0 {
		all.Set("expires", strconv.FormatInt(ts+c.sigTTL, 10))
	}
	if c.deviceType != 0 && all.Get("device_type") == "" {
		all.Set("device_type", strconv.Itoa(int(c.deviceType)))
	}
	return explain(http.MethodPost, c.baseURL+apiPrefix+strings.TrimPrefix(path, "/"), sortedParams(all), creds.secretKey)
}
