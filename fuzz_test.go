package pushsdk_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
)

// decodeAll runs body through the decoder of every result type, as a 2xx
// answer, and checks the invariants each must keep.
func decodeAll(t *testing.T, body []byte) {
	check := func(name string, ok bool, err error) {
		if ok == (err != nil) {
			t.Fatalf("%s: result and error disagree (ok=%v, err=%v) for %q", name, ok, err, body)
		}
		if err == nil {
			return
		}
		var ce *pushsdk.ChannelError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: %T is not a *ChannelError", name, err)
		}
		if !json.Valid(body) && ce.Code != pushsdk.CodeBadResult {
			t.Fatalf("%s: invalid JSON %q gave code %d", name, body, ce.Code)
		}
	}
	push, err := pushsdk.DecodeForTest[pushsdk.PushResult](body)
	check("push", push != nil, err)
	if push != nil && push.MsgID == "" && push.TimerID == "" {
		t.Fatalf("a push result without ids from %q", body)
	}
	r1, err := pushsdk.DecodeForTest[pushsdk.MsgStatusResult](body)
	check("msg_status", r1 != nil, err)
	r2, err := pushsdk.DecodeForTest[pushsdk.TimerRecords](body)
	check("timer_records", r2 != nil, err)
	r3, err := pushsdk.DecodeForTest[pushsdk.TopicRecords](body)
	check("topic_records", r3 != nil, err)
	r4, err := pushsdk.DecodeForTest[pushsdk.TimerList](body)
	check("timer_list", r4 != nil, err)
	r5, err := pushsdk.DecodeForTest[pushsdk.TopicList](body)
	check("topic_list", r5 != nil, err)
	r6, err := pushsdk.DecodeForTest[pushsdk.TagList](body)
	check("tags", r6 != nil, err)
	r7, err := pushsdk.DecodeForTest[pushsdk.TagResult](body)
	check("tag_result", r7 != nil, err)
	r8, err := pushsdk.DecodeForTest[pushsdk.DeviceResults](body)
	check("devices", r8 != nil, err)
	r9, err := pushsdk.DecodeForTest[pushsdk.DeviceNum](body)
	check("device_num", r9 != nil, err)
	r10, err := pushsdk.DecodeForTest[pushsdk.DeviceStatistics](body)
	check("stat_device", r10 != nil, err)
	if r10 != nil {
		for i := 1; i < len(r10.Days); i++ {
			if !r10.Days[i-1].Day.Before(r10.Days[i].Day) {
				t.Fatalf("days out of order from %q", body)
			}
		}
	}
	r11, err := pushsdk.DecodeForTest[pushsdk.TopicStatistics](body)
	check("stat_topic", r11 != nil, err)
	r12, err := pushsdk.DecodeForTest[pushsdk.MsgStatistics](body)
	check("stat_msg", r12 != nil, err)
	r13, err := pushsdk.DecodeForTest[pushsdk.CancelResult](body)
	check("cancel", r13 != nil, err)
}

// FuzzDecode feeds arbitrary bodies to the response decoders: never a
// panic, always exactly one of a result and a *ChannelError.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"request_id":1,"response_params":{"msg_id":"1","send_time":1}}`,
		`{"request_id":"2","response_params":{"msg_id":9007199254740993123,"timer_id":"5","send_time":"17"}}`,
		`{"request_id":1,"error_code":30611,"error_msg":"Tag Not Found"}`,
		`{"request_id":1,"response_params":{"total_num":1,"result":[{"msg_id":"1","status":0,"send_time":1,"success":2}]}}`,
		`{"request_id":1,"response_params":{"total_num":1,"result":{"1429977600":{"new_term":1,"ack":-1,"push":3}}}}`,
		`{"request_id":1,"response_params":{"total_num":1,"result":[{"range_type":1,"total_num":1,"result":{"1":{"push":1}}}]}}`,
		`{"request_id":1,"response_params":{"result":[{"channel_id":"1","result":0}],"devices":[]}}`,
		`{"request_id":1,"response_params":{"total_num":0,"tags":[{"tid":1,"tag":"t","createtime":"3"}]}}`,
		`{"request_id":1,"response_params":{"tag":"x","result":0,"device_num":4}}`,
		`{"request_id":1,"response_params":[]}`, `{"request_id":1}`, `<html>502</html>`, `{"request_id":1,"response_params":{"msg_id":"\u0031\/"}}`,
		`{"request_id":99999999999999999999}`, `[{"request_id":1}]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { decodeAll(t, body) })
}

// FuzzLoadConfig feeds arbitrary files to LoadConfig: never a panic; a
// failure is a code-1 error naming the file; a success is a sane Config.
func FuzzLoadConfig(f *testing.F) {
	for _, s := range []string{
		"[SDK]\nhost = api.push.baidu.com\napiKey = k\nsecretKey = s\ndeviceType = 3\n[curl]\ntimeout = 30\nconnecttimeout = 5\n",
		"[sdk]\nHOST=http://127.0.0.1:8088\n", "apiKey = k\n", "[SDK]\ndeviceType = 5\n", "[curl]\ntimeout = -1\n",
		"[SDK]\nhost = \"quoted\"\n; comment\n# comment\n", "[SDK\nx", "[SDK]\nkey without value\n", "\xff\xfe[SDK]\n",
		"[SDK]\nsecretKey = a ; inline\n[curl]\ntimeout = 1e3\n", "[SDK]\nhost = http://[::1]:80/\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range []string{"BAIDU_PUSH_HOST", "BAIDU_PUSH_API_KEY", "BAIDU_PUSH_SECRET_KEY", "BAIDU_PUSH_DEVICE_TYPE"} {
			if os.Getenv(k) != "" {
				t.Skip("the environment would override the file")
			}
		}
		path := filepath.Join(t.TempDir(), "sdk.conf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := pushsdk.LoadConfig(path)
		if err != nil {
			if cfg != nil {
				t.Fatal("a Config with an error")
			}
			if pushsdk.ErrorCode(err) != pushsdk.CodeSDKInit || !strings.Contains(err.Error(), "sdk.conf") {
				t.Fatalf("error %v: want code 1 naming the file", err)
			}
			return
		}
		if cfg.DeviceType != 0 && cfg.DeviceType != pushsdk.DeviceAndroid && cfg.DeviceType != pushsdk.DeviceIOS {
			t.Fatalf("device type %d from %q", cfg.DeviceType, data)
		}
		if cfg.Timeout < 0 || cfg.ConnectTimeout < 0 {
			t.Fatalf("negative timeout from %q", data)
		}
		if cfg.Host != "" {
			if _, err := pushsdk.NewChannel("k", "s", pushsdk.WithHost(cfg.Host)); err != nil {
				t.Fatalf("host %q was accepted by LoadConfig but not by NewChannel: %v", cfg.Host, err)
			}
		}
	})
}
