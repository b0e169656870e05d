package pushsdk_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNilResultsAndErrorsDoNotPanic: every method of a result or error type
// works on a nil receiver, as code that forgets to check hits it.
func TestNilResultsAndErrorsDoNotPanic(t *testing.T) {
	f := newFakeService(t, nil)
	c := f.channel()
	res, err := c.PushToDevices(context.Background(), []string{"1", "x"}, "m", nil)
	require.Nil(t, res, "arguments refused: no result")
	assert.Equal(t, pushsdk.CodeSDKParams, pushsdk.ErrorCode(err))
	assert.Nil(t, res.FailedChannelIDs())
	assert.Nil(t, res.SucceededChannelIDs())
	assert.Nil(t, res.UncertainChannelIDs())
	assert.Nil(t, res.NotAttemptedChannelIDs())

	var dr *pushsdk.DeviceResults
	assert.Nil(t, dr.SucceededChannelIDs())
	assert.Nil(t, dr.FailedChannelIDs())
	assert.Nil(t, dr.UncertainChannelIDs())

	var ce *pushsdk.ChannelError
	assert.Equal(t, "pushsdk: <nil ChannelError>", ce.Error())
	assert.Nil(t, ce.Unwrap())
	assert.False(t, ce.MaybeProcessed())
	assert.Zero(t, pushsdk.ErrorCode(ce))

	var ve *pushsdk.ValidationError
	assert.Empty(t, ve.Error())
	var se *pushsdk.SignatureExplanation
	assert.Empty(t, se.Error())
	assert.Equal(t, "<nil>", fmt.Sprint((*pushsdk.Config)(nil)))
}

// TestZeroChannelFailsCleanly: every method of a nil or zero Channel —
// one not made by NewChannel — returns a CodeSDKInit error that says so,
// and no method panics.
func TestZeroChannelFailsCleanly(t *testing.T) {
	for name, c := range map[string]*pushsdk.Channel{"nil": nil, "zero": new(pushsdk.Channel)} {
		t.Run(name, func(t *testing.T) {
			assert.Contains(t, c.String(), "not made by NewChannel")
			assert.Nil(t, c.ExplainSignature("push/all", nil))
			assert.Equal(t, pushsdk.CodeSDKInit, pushsdk.ErrorCode(c.SetCredentials("k", "s")))

			v := reflect.ValueOf(c)
			tested := 0
			for i := range v.NumMethod() {
				m := v.Type().Method(i)
				switch m.Name {
				case "String", "ExplainSignature", "SetCredentials":
					continue
				}
				fn := v.Method(i)
				args := make([]reflect.Value, fn.Type().NumIn())
				for j := range args {
					in := fn.Type().In(j)
					switch {
					case in == reflect.TypeFor[context.Context]():
						args[j] = reflect.ValueOf(context.Background())
					case fn.Type().IsVariadic() && j == len(args)-1:
						args[j] = reflect.Zero(in)
					case in.Kind() == reflect.String:
						args[j] = reflect.ValueOf("1").Convert(in)
					default:
						args[j] = reflect.Zero(in)
					}
				}
				var out []reflect.Value
				require.NotPanics(t, func() {
					if fn.Type().IsVariadic() {
						out = fn.CallSlice(args)
					} else {
						out = fn.Call(args)
					}
				}, m.Name)
				err := lastError(t, m.Name, out)
				var ce *pushsdk.ChannelError
				require.True(t, errors.As(err, &ce), "%s: %v", m.Name, err)
				assert.Equal(t, pushsdk.CodeSDKInit, ce.Code, m.Name)
				assert.Contains(t, err.Error(), "make it with NewChannel", m.Name)
				tested++
			}
			assert.Greater(t, tested, 20, "every network method is tried")
		})
	}
}

// lastError returns the error a method returned: its last result, or the
// first error an iterator yields.
func lastError(t *testing.T, name string, out []reflect.Value) error {
	t.Helper()
	require.NotEmpty(t, out, name)
	last := out[len(out)-1]
	if last.Type() == reflect.TypeFor[error]() {
		err, _ := last.Interface().(error)
		return err
	}
	// An iter.Seq2[T, error]: the first error it yields.
	require.Equal(t, reflect.Func, last.Kind(), "%s returns %s", name, last.Type())
	var got error
	yield := reflect.MakeFunc(last.Type().In(0), func(args []reflect.Value) []reflect.Value {
		got, _ = args[1].Interface().(error)
		return []reflect.Value{reflect.ValueOf(false)}
	})
	last.Call([]reflect.Value{yield})
	require.Error(t, got, "%s yields an error", name)
	require.False(t, strings.Contains(got.Error(), "panic"))
	return got
}
