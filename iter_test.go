package pushsdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIteratorsAcrossPageBoundaries(t *testing.T) {
	t.Parallel()
	srv, c := newEmulator(t, pushtest.WithDeliveryDelay(0, 0))
	bg := context.Background()
	for i := 0; i < 249; i++ { // 250 with "default"
		_, err := c.CreateTag(bg, fmt.Sprintf("tag%03d", i))
		require.NoError(t, err)
	}
	var names []string
	for tag, err := range c.Tags(bg, nil) {
		require.NoError(t, err)
		names = append(names, tag.Name)
	}
	require.Len(t, names, 250)
	assert.Equal(t, "default", names[0])
	assert.Equal(t, "tag248", names[249])
	assert.Len(t, srv.RequestsTo("app/query_tags"), 3, "pages of 100, 100 and 50")

	// A page size that divides the total: the iterator stops on total_num.
	srv.ResetRequests()
	n := 0
	for _, err := range c.Tags(bg, &pushsdk.TagsOptions{PageOptions: pushsdk.PageOptions{Limit: 50}}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 250, n)
	assert.Len(t, srv.RequestsTo("app/query_tags"), 5)

	// Breaking out stops the paging.
	srv.ResetRequests()
	n = 0
	for range c.Tags(bg, &pushsdk.TagsOptions{PageOptions: pushsdk.PageOptions{Start: 10, Limit: 7}}) {
		n++
		if n == 9 {
			break
		}
	}
	assert.Equal(t, 9, n)
	reqs := srv.RequestsTo("app/query_tags")
	require.Len(t, reqs, 2)
	assert.Equal(t, "17", reqs[1].Params.Get("start"))

	// Timers, topics and the records of each.
	for i := 0; i < 7; i++ {
		_, err := c.PushMsgToAll(bg, "t", &pushsdk.PushOptions{SendTime: srv.Now().Add(time.Duration(i+2) * time.Minute)})
		require.NoError(t, err)
	}
	var timers []string
	for tm, err := range c.Timers(bg, &pushsdk.TimerListOptions{PageOptions: pushsdk.PageOptions{Limit: 3}}) {
		require.NoError(t, err)
		timers = append(timers, tm.TimerID)
	}
	assert.Len(t, timers, 7)
	for i := 0; i < 5; i++ {
		_, err := c.PushBatchUniMsg(bg, []string{"1"}, "m", &pushsdk.PushOptions{TopicID: fmt.Sprintf("topic_%d", i%2)})
		require.NoError(t, err)
	}
	var topics []string
	for tp, err := range c.Topics(bg, &pushsdk.PageOptions{Limit: 1}) {
		require.NoError(t, err)
		topics = append(topics, tp.TopicID)
	}
	assert.Equal(t, []string{"topic_0", "topic_1"}, topics)
	var recs []pushsdk.Record
	for r, err := range c.TopicRecords(bg, "topic_0", &pushsdk.RecordsOptions{PageOptions: pushsdk.PageOptions{Limit: 2}}) {
		require.NoError(t, err)
		recs = append(recs, r)
	}
	assert.Len(t, recs, 3)
	srv.Advance(3 * time.Minute)
	var fired []pushsdk.Record
	for r, err := range c.TimerRecords(bg, timers[0], nil) {
		require.NoError(t, err)
		fired = append(fired, r)
	}
	assert.Len(t, fired, 1)
}

func TestIteratorYieldsErrorOnce(t *testing.T) {
	t.Parallel()
	f := newFakeService(t, func(*seen) reply {
		return reply{403, `{"request_id":9,"error_code":30603,"error_msg":"Authentication Failed"}`}
	})
	var errs []error
	for _, err := range f.channel().Topics(context.Background(), nil) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	assert.True(t, (pushsdk.ErrorCode(errs[0]) == pushsdk.CodeAuthFailed))
	n := 0
	for _, err := range f.channel().TimerRecords(context.Background(), "", nil) {
		assert.True(t, (pushsdk.ErrorCode(err) == pushsdk.CodeSDKParams))
		n++
	}
	assert.Equal(t, 1, n)
}

func TestExplainSignature(t *testing.T) {
	t.Parallel()
	params := url.Values{
		"apikey": {"DevKeyForSpec0000000000A"}, "timestamp": {"1700000000"}, "type": {"1"},
		"tag": {"beta testers"}, "msg_type": {"1"}, "device_type": {"3"},
		"msg": {`{"title":"新版本 ~ v2.0*","description":"点击查看 (更新)!"}`},
	}
	const secret = "DevSecretForSpec000000000000000B"
	e := pushsdk.ExplainForTest("post", "https://api.push.baidu.com/rest/3.0/push/tags?x=1", params, secret)
	assert.Equal(t, "466817cdf3d4c6470c76fbc01efafa63", e.Sign)
	assert.Equal(t, "POST", e.Method)
	assert.Equal(t, "https://api.push.baidu.com/rest/3.0/push/tags", e.URL)
	assert.Equal(t, []string{"apikey=DevKeyForSpec0000000000A", "device_type=3",
		`msg={"title":"新版本 ~ v2.0*","description":"点击查看 (更新)!"}`, "msg_type=1", "tag=beta testers",
		"timestamp=1700000000", "type=1"}, e.Params)
	assert.True(t, strings.HasPrefix(e.Canonical, `POSThttps://api.push.baidu.com/rest/3.0/push/tagsapikey=DevKeyForSpec0000000000Adevice_type=3msg={"title"`))
	assert.True(t, strings.HasSuffix(e.Canonical, "type=1"+e.SecretMask))
	assert.True(t, strings.HasPrefix(e.Encoded, "POSThttps%3A%2F%2Fapi.push.baidu.com%2Frest%2F3.0%2Fpush%2Ftagsapikey%3DDevKeyForSpec0000000000A"))
	assert.Contains(t, e.Encoded, "%E6%96%B0%E7%89%88%E6%9C%AC+%7E+v2.0%2A")
	assert.Regexp(t, `^<secret key: 32 bytes, md5 [0-9a-f]{8}>$`, e.SecretMask)
	for _, s := range []string{e.Canonical, e.Encoded, e.Error(), fmt.Sprintf("%+v", e)} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, e.Error(), "sign:      md5(encoded) = 466817cdf3d4c6470c76fbc01efafa63")
}

// TestAuthFailureCarriesExplanation: a 30603 error explains the signature
// the SDK sent, so that it can be compared with what the server expected.
func TestAuthFailureCarriesExplanation(t *testing.T) {
	t.Parallel()
	srv := pushtest.NewServer()
	t.Cleanup(srv.Close)
	// What was sent is read on its way out: the emulator keeps no
	// parameters of a request that failed authentication.
	var sent url.Values
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(r.Body)
		sent, _ = url.ParseQuery(string(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := pushsdk.NewChannel(srv.APIKey, "a wrong secret of some length", pushsdk.WithHost(srv.URL), pushsdk.WithClockForTest(srv.Now), pushsdk.WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.PushMsgToTag(context.Background(), "default", "hi", nil)
	require.True(t, (pushsdk.ErrorCode(err) == pushsdk.CodeAuthFailed))
	var e *pushsdk.SignatureExplanation
	require.True(t, errors.As(err, &e))
	rec := srv.RequestsTo("push/tags")[0]
	assert.Nil(t, rec.Params, "an unauthenticated request keeps no parameters")
	assert.Contains(t, rec.Note, "signature mismatch")
	assert.Equal(t, sent.Get("sign"), e.Sign, "the explanation is of the request that was sent")
	assert.Equal(t, srv.URL+"/rest/3.0/push/tags", e.URL)
	// The server's view, with the right secret, differs only in the mask.
	right := pushsdk.ExplainForTest("POST", e.URL, sent, srv.SecretKey)
	assert.Equal(t, strings.TrimSuffix(right.Canonical, right.SecretMask), strings.TrimSuffix(e.Canonical, e.SecretMask))
	assert.NotEqual(t, right.SecretMask, e.SecretMask)
	assert.NotContains(t, err.Error()+e.Error(), "a wrong secret")

	// Channel.ExplainSignature adds the common parameters.
	ce := c.ExplainSignature("push/all", url.Values{"msg": {"hi"}})
	assert.Equal(t, srv.URL+"/rest/3.0/push/all", ce.URL)
	keys := []string{}
	for _, p := range ce.Params {
		k, _, _ := strings.Cut(p, "=")
		keys = append(keys, k)
	}
	assert.Equal(t, []string{"apikey", "msg", "timestamp"}, keys)

	// A Channel's device type is added as for a real call, unless the
	// parameters name one.
	typed, err := srv.NewChannel(pushsdk.WithDeviceType(pushsdk.DeviceIOS))
	require.NoError(t, err)
	assert.Contains(t, typed.ExplainSignature("push/all", url.Values{"msg": {"hi"}}).Params, "device_type=4")
	given := typed.ExplainSignature("push/all", url.Values{"msg": {"hi"}, "device_type": {"3"}}).Params
	assert.Contains(t, given, "device_type=3")
	assert.NotContains(t, given, "device_type=4")
}
