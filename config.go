package pushsdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// Config is the file-driven way to set up a [Channel]: what the Python SDK
// keeps in sdk.conf. See [LoadConfig] and [NewChannelFromConfig].
type Config struct {
	Host           string        // "api.push.baidu.com", or a URL with scheme: "http://127.0.0.1:8088"
	APIKey         string        //
	SecretKey      string        // never printed by String or %v
	DeviceType     DeviceType    // 0 = not sent
	Timeout        time.Duration // whole request; 0 = the default (30 s)
	ConnectTimeout time.Duration // 0 = the default (5 s)
}

// describe is the Config with its secret key masked.
func (c Config) describe() string {
	return fmt.Sprintf("pushsdk.Config{Host: %q, APIKey: %q, SecretKey: %q, DeviceType: %d, Timeout: %v, ConnectTimeout: %v}",
		redactHost(c.Host), maskKey(c.APIKey), maskSecret(c.SecretKey), int(c.DeviceType), c.Timeout, c.ConnectTimeout)
}

// Format prints the Config with its secret key masked, for every fmt verb,
// by value or by pointer, also as an exported field of another struct:
// pushsdk.Config{Host: "…", APIKey: "tf9G…Ohyb", SecretKey: "***", …}.
// json.Marshal and slog mask it too (MarshalJSON, LogValue). One case no
// Go type can cover: fmt does not call methods on unexported fields, so a
// struct that keeps a Config in an unexported field and is printed whole
// with %v shows the key; keep a *Config there (fmt prints its address).
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.describe())
		return
	}
	_, _ = f.Write([]byte(c.describe()))
}

// MarshalJSON encodes the Config with its secret key masked ("***"): a
// Config marshalled to JSON cannot be read back into a working one.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // without the methods
	p := plain(c)
	p.SecretKey = maskSecret(c.SecretKey)
	p.Host = redactHost(c.Host)
	return json.Marshal(p)
}

// LogValue makes slog log the Config with its keys masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", redactHost(c.Host)),
		slog.String("apikey", maskKey(c.APIKey)),
		slog.String("secretkey", maskSecret(c.SecretKey)),
		slog.Int("device_type", int(c.DeviceType)),
		slog.Duration("timeout", c.Timeout),
		slog.Duration("connect_timeout", c.ConnectTimeout),
	)
}

func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}

// The environment variables LoadConfig reads; each overrides its sdk.conf
// key when set and not empty.
const (
	envHost       = "BAIDU_PUSH_HOST"
	envAPIKey     = "BAIDU_PUSH_API_KEY"
	envSecretKey  = "BAIDU_PUSH_SECRET_KEY"
	envDeviceType = "BAIDU_PUSH_DEVICE_TYPE"
)

// configKeys are the keys of sdk.conf, by lower-case section and key.
var configKeys = map[string]map[string]bool{
	"sdk":  {"host": true, "apikey": true, "secretkey": true, "devicetype": true},
	"curl": {"timeout": true, "connecttimeout": true},
}

// configKeyNames are the keys of each section as sdk.conf.example writes
// them, for error messages.
var configKeyNames = map[string][]string{
	"sdk":  {"host", "apiKey", "secretKey", "deviceType"},
	"curl": {"timeout", "connecttimeout"},
}

// unknownKey describes a key a section does not have: the key the user
// probably meant (api_key, apiKy → apiKey), and the section's keys.
func unknownKey(section, key string) string {
	names := configKeyNames[section]
	msg := "unknown key " + shownName(key)
	if near := nearest(key, names); near != "" {
		msg += ": did you mean " + near + "?"
	}
	return msg + " ([" + strings.ToUpper(section[:1]) + section[1:] + "] takes " + strings.Join(names, ", ") + ")"
}

// nearest returns the name key most likely stands for: the same letters
// without case, separators and at most two typos; "" when none is close.
func nearest(key string, names []string) string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == '.' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(norm(key), norm(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// LoadConfig reads the Python SDK's sdk.conf: an INI file with section [SDK]
// (keys host, apiKey, secretKey, deviceType) and section [curl] (timeout,
// connecttimeout, in seconds); section and key names are case-insensitive,
// empty values are unset. Then the environment variables BAIDU_PUSH_HOST,
// BAIDU_PUSH_API_KEY, BAIDU_PUSH_SECRET_KEY and BAIDU_PUSH_DEVICE_TYPE
// override what the file says. LoadConfig("") reads the environment alone.
//
// A missing or unreadable file, a malformed value or an unknown key or
// section is a [CodeSDKInit] error naming the file, line and key but never
// the value (it could be a secret on the wrong line), e.g.
// `sdk.conf:5: [sdk] devicetype: neither 3 (android) nor 4 (ios) (value not shown)`.
// See sdk.conf.example for a documented file.
func LoadConfig(path string) (*Config, error) {
	cfg := &Config{}
	if path != "" {
		if err := loadConfigFile(path, cfg); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// NewChannelFromConfig returns a Channel set up from cfg; opts are applied
// after cfg's settings and win over them.
func NewChannelFromConfig(cfg *Config, opts ...Option) (*Channel, error) {
	if cfg == nil {
		return nil, initError("nil Config")
	}
	if err := checkKeys(cfg.APIKey, cfg.SecretKey); err != nil {
		var where []string
		if strings.TrimSpace(cfg.APIKey) == "" {
			where = append(where, "the API key in sdk.conf's [SDK] apiKey or in "+envAPIKey)
		}
		if strings.TrimSpace(cfg.SecretKey) == "" {
			where = append(where, "the secret key in [SDK] secretKey or in "+envSecretKey)
		}
		return nil, initError(err.Error() + ": set " + strings.Join(where, ", and ") + " (the push console shows both keys of the app)")
	}
	var base []Option
	if cfg.Host != "" {
		base = append(base, WithHost(cfg.Host))
	}
	if cfg.DeviceType != 0 {
		base = append(base, WithDeviceType(cfg.DeviceType))
	}
	if cfg.Timeout != 0 {
		base = append(base, WithTimeout(cfg.Timeout))
	}
	if cfg.ConnectTimeout != 0 {
		base = append(base, WithConnectTimeout(cfg.ConnectTimeout))
	}
	return NewChannel(cfg.APIKey, cfg.SecretKey, append(base, opts...)...)
}

func configError(format string, args ...any) error {
	return initError(fmt.Sprintf(format, args...))
}

// maxConfigBytes caps how much of a config file is read.
const maxConfigBytes = 1 << 20

// loadConfigFile reads sdk.conf into cfg. Its errors name the file, the line
// and the key, never a value: a value may be the secret key, or a line the
// secret pasted where a key was meant to be.
func loadConfigFile(path string, cfg *Config) error {
	f, err := os.Open(path)
	if err != nil {
		return &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit] + ": config " + path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit] + ": config " + path, Err: err}
	}
	if len(data) > maxConfigBytes {
		return configError("%s: larger than %d bytes; not an sdk.conf", path, maxConfigBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	lines, err := scanConfig(path, data)
	if err != nil {
		return err
	}
	conf, err := ini.LoadSources(ini.LoadOptions{
		Insensitive:              true,
		IgnoreContinuation:       true,
		SpaceBeforeInlineComment: true,
	}, data)
	if err != nil {
		// ini's messages quote the line they stumbled on: not shown.
		return configError("%s: not a valid INI file", path)
	}
	where := func(section, key string) string {
		if n, ok := lines[section+"\x00"+key]; ok {
			return fmt.Sprintf("%s:%d", path, n)
		}
		return path
	}
	for _, sec := range conf.Sections() {
		name := strings.ToLower(sec.Name())
		isDefault := name == strings.ToLower(ini.DefaultSection)
		known, ok := configKeys[name]
		if isDefault {
			known, ok = nil, true
		}
		if !ok {
			msg := "unknown section [" + shownName(name) + "]"
			if near := nearest(name, []string{"SDK", "curl"}); near != "" {
				msg += ": did you mean [" + near + "]?"
			}
			return configError("%s:%d: %s (sdk.conf has [SDK] and [curl])", path, lines["["+name], msg)
		}
		for _, k := range sec.Keys() {
			key := k.Name()
			if !known[key] {
				if isDefault {
					return configError("%s: key %s outside any section (put it under [SDK] or [curl])", where(name, key), shownName(key))
				}
				return configError("%s: [%s] %s", where(name, key), name, unknownKey(name, key))
			}
			v := strings.TrimSpace(k.String())
			if v == "" {
				continue
			}
			if err := setConfigKey(cfg, name, key, v); err != nil {
				return configError("%s: [%s] %s: %v", where(name, key), name, key, err)
			}
		}
	}
	return nil
}

// shownName returns an unknown key or section name for an error message
// when it looks like a name (a typo of a key); otherwise a placeholder: it
// may be a value, even the secret key, on a line of its own.
func shownName(name string) string {
	if len(name) > 20 {
		return "(a name that is not shown)"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '.' || r == ' ') {
			return "(a name that is not shown)"
		}
	}
	return name
}

func setConfigKey(cfg *Config, section, key, v string) error {
	switch section + "." + key {
	case "sdk.host":
		if _, err := parseBaseURL(v); err != nil {
			return errors.New("not a host name or an http(s) URL (value not shown)")
		}
		cfg.Host = v
	case "sdk.apikey":
		cfg.APIKey = v
	case "sdk.secretkey":
		cfg.SecretKey = v
	case "sdk.devicetype":
		t, err := parseDeviceType(v)
		if err != nil {
			return err
		}
		cfg.DeviceType = t
	case "curl.timeout", "curl.connecttimeout":
		d, err := parseSeconds(v)
		if err != nil {
			return err
		}
		if key == "timeout" {
			cfg.Timeout = d
		} else {
			cfg.ConnectTimeout = d
		}
	}
	return nil
}

func parseDeviceType(v string) (DeviceType, error) {
	switch strings.ToLower(v) {
	case "3", "android":
		return DeviceAndroid, nil
	case "4", "ios":
		return DeviceIOS, nil
	}
	return 0, errors.New("neither 3 (android) nor 4 (ios) (value not shown)")
}

// parseSeconds reads a positive number of seconds ("30", "2.5").
func parseSeconds(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 24*3600 {
		return 0, errors.New("not a number of seconds in (0, 86400] (value not shown)")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// scanConfig checks the file's lines before ini.v1 reads it, so that a
// malformed line is reported with its number and without its text, and
// maps "section\x00key" (lower case) and "[section" to the line where each
// first appears; ini.v1 keeps no positions.
func scanConfig(path string, data []byte) (map[string]int, error) {
	out := map[string]int{}
	section := strings.ToLower(ini.DefaultSection)
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, configError("%s:%d: a section header without its closing ]", path, n)
			}
			section = strings.ToLower(strings.TrimSpace(line[1:end]))
			if _, ok := out["["+section]; !ok {
				out["["+section] = n
			}
		default:
			sep := strings.IndexAny(line, "=:")
			if sep < 0 {
				// The line may be a value, even the secret key, pasted
				// without its key: name the key only when it is one.
				word := strings.ToLower(strings.Fields(line)[0])
				if configKeys[section][word] {
					return nil, configError("%s:%d: [%s] %s: no = between the key and its value (the line is not shown)", path, n, section, word)
				}
				return nil, configError("%s:%d: not a key = value line (the line is not shown)", path, n)
			}
			key := strings.ToLower(strings.TrimSpace(line[:sep]))
			k := section + "\x00" + key
			if _, ok := out[k]; !ok {
				out[k] = n
			}
			// A value opened with """ runs until the next """.
			if v := strings.TrimSpace(line[sep+1:]); strings.HasPrefix(v, `"""`) && !strings.Contains(v[3:], `"""`) {
				closed := false
				for i++; i < len(lines); i++ {
					if strings.Contains(lines[i], `"""`) {
						closed = true
						break
					}
				}
				if !closed {
					return nil, configError(`%s:%d: [%s] %s: a value opened with """ is never closed (the value is not shown)`, path, n, section, key)
				}
			}
		}
	}
	return out, nil
}

func applyEnv(cfg *Config) error {
	if v := strings.TrimSpace(os.Getenv(envHost)); v != "" {
		if _, err := parseBaseURL(v); err != nil {
			return configError("environment %s: not a host name or an http(s) URL (value not shown)", envHost)
		}
		cfg.Host = v
	}
	if v := strings.TrimSpace(os.Getenv(envAPIKey)); v != "" {
		cfg.APIKey = v
	}
	if v := strings.TrimSpace(os.Getenv(envSecretKey)); v != "" {
		cfg.SecretKey = v
	}
	if v := strings.TrimSpace(os.Getenv(envDeviceType)); v != "" {
		t, err := parseDeviceType(v)
		if err != nil {
			return configError("environment %s: %v", envDeviceType, err)
		}
		cfg.DeviceType = t
	}
	return nil
}
