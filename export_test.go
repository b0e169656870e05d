package pushsdk

// Hooks for the external tests' benchmarks of internal stages.

// DecodeForTest decodes a 200 answer into a result, as the pipeline does.
func DecodeForTest[T any, PT resultPtr[T]](body []byte) (*T, error) {
	res := PT(new(T))
	if _, ce := decodeEnvelope(200, body, epPushAll, res); ce != nil {
		return nil, ce
	}
	return (*T)(res), nil
}

// EncodeForTest builds and signs the form body of a single-device push.
func EncodeForTest(c *Channel, channelID, msg string) []byte {
	r := newRequest(epPushSingleDevice)
	r.channelID("channel_id", channelID)
	r.set("channel_id", channelID)
	r.push(c, msg, nil)
	body, _ := c.encode(r, c.creds.Load(), 1700000000)
	return body
}
