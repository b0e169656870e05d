package pushsdk

import (
	"bufio"
	"bytes"
	"fmt"
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

// String describes the Config with its secret key masked.
func (c *Config) String() string {
	if c == nil {
		return "pushsdk.Config(nil)"
	}
	secret := ""
	if c.SecretKey != "" {
		secret = "***"
	}
	return fmt.Sprintf("pushsdk.Config{Host: %q, APIKey: %q, SecretKey: %q, DeviceType: %d, Timeout: %v, ConnectTimeout: %v}",
		c.Host, maskKey(c.APIKey), secret, int(c.DeviceType), c.Timeout, c.ConnectTimeout)
}

// GoString is String, so that %#v does not print the secret key either.
func (c *Config) GoString() string { return c.String() }

// Format makes every fmt verb print [Config.String].
func (c *Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// The environment variables [LoadConfig] reads; each overrides its sdk.conf
// key when set and not empty.
const (
	EnvHost       = "BAIDU_PUSH_HOST"
	EnvAPIKey     = "BAIDU_PUSH_API_KEY"
	EnvSecretKey  = "BAIDU_PUSH_SECRET_KEY"
	EnvDeviceType = "BAIDU_PUSH_DEVICE_TYPE"
)

// configKeys are the keys of sdk.conf, by lower-case section and key.
var configKeys = map[string]map[string]bool{
	"sdk":  {"host": true, "apikey": true, "secretkey": true, "devicetype": true},
	"curl": {"timeout": true, "connecttimeout": true},
}

// LoadConfig reads the Python SDK's sdk.conf: an INI file with section [SDK]
// (keys host, apiKey, secretKey, deviceType) and section [curl] (timeout,
// connecttimeout, in seconds); section and key names are case-insensitive,
// empty values are unset. Then the environment variables BAIDU_PUSH_HOST,
// BAIDU_PUSH_API_KEY, BAIDU_PUSH_SECRET_KEY and BAIDU_PUSH_DEVICE_TYPE
// override what the file says. LoadConfig("") reads the environment alone.
//
// A missing or unreadable file, a malformed value or an unknown key or
// section is a [CodeSDKInit] error naming the file, line and key, e.g.
// `sdk.conf:5: [SDK] deviceType: "5" is neither 3 (Android) nor 4 (iOS)`.
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

func loadConfigFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return &ChannelError{Code: CodeSDKInit, Msg: sdkCodeText[CodeSDKInit] + ": config " + path, Err: err}
	}
	f, err := ini.LoadSources(ini.LoadOptions{
		Insensitive:              true,
		IgnoreContinuation:       true,
		SpaceBeforeInlineComment: true,
	}, data)
	if err != nil {
		return configError("%s: %v", path, err)
	}
	lines := keyLines(data)
	where := func(section, key string) string {
		if n, ok := lines[section+"\x00"+key]; ok {
			return fmt.Sprintf("%s:%d", path, n)
		}
		return path
	}
	for _, sec := range f.Sections() {
		name := strings.ToLower(sec.Name())
		isDefault := name == strings.ToLower(ini.DefaultSection)
		known, ok := configKeys[name]
		if isDefault {
			known, ok = nil, true
		}
		if !ok {
			return configError("%s:%d: unknown section [%s] (sdk.conf has [SDK] and [curl])", path, lines["["+name], name)
		}
		for _, k := range sec.Keys() {
			key := k.Name()
			if !known[key] {
				if isDefault {
					return configError("%s: key %s outside any section", where(name, key), key)
				}
				return configError("%s: [%s] unknown key %s", where(name, key), name, key)
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

func setConfigKey(cfg *Config, section, key, v string) error {
	switch section + "." + key {
	case "sdk.host":
		if _, err := parseBaseURL(v); err != nil {
			return err
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
	return 0, fmt.Errorf("%q is neither 3 (Android) nor 4 (iOS)", v)
}

// parseSeconds reads a positive number of seconds ("30", "2.5").
func parseSeconds(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number of seconds", v)
	}
	if f <= 0 || f > 24*3600 {
		return 0, fmt.Errorf("%q seconds is outside (0, 86400]", v)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// keyLines maps "section\x00key" (lower case) and "[section" to the line
// where each first appears, for error messages; ini.v1 keeps no positions.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	section := strings.ToLower(ini.DefaultSection)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				end = len(line)
			}
			section = strings.ToLower(strings.TrimSpace(line[1:end]))
			if _, ok := out["["+section]; !ok {
				out["["+section] = n
			}
		default:
			i := strings.IndexAny(line, "=:")
			if i < 0 {
				i = len(line)
			}
			k := section + "\x00" + strings.ToLower(strings.TrimSpace(line[:i]))
			if _, ok := out[k]; !ok {
				out[k] = n
			}
		}
	}
	return out
}

func applyEnv(cfg *Config) error {
	if v := strings.TrimSpace(os.Getenv(EnvHost)); v != "" {
		if _, err := parseBaseURL(v); err != nil {
			return configError("environment %s: %v", EnvHost, err)
		}
		cfg.Host = v
	}
	if v := strings.TrimSpace(os.Getenv(EnvAPIKey)); v != "" {
		cfg.APIKey = v
	}
	if v := strings.TrimSpace(os.Getenv(EnvSecretKey)); v != "" {
		cfg.SecretKey = v
	}
	if v := strings.TrimSpace(os.Getenv(EnvDeviceType)); v != "" {
		t, err := parseDeviceType(v)
		if err != nil {
			return configError("environment %s: %v", EnvDeviceType, err)
		}
		cfg.DeviceType = t
	}
	return nil
}
