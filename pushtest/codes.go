package pushtest

import (
	"net/http"

	"github.com/bdpush/pushsdk"
)

// codeInfo is the phrase and HTTP status the service answers an error code
// with (docs/PROTOCOL.md, "Error codes").
type codeInfo struct {
	phrase string
	status int
}

var codes = map[int]codeInfo{
	pushsdk.CodeInternalError:         {"Internal Server Error", http.StatusInternalServerError},
	pushsdk.CodeMethodNotAllowed:      {"Method Not Allowed", http.StatusMethodNotAllowed},
	pushsdk.CodeInvalidParams:         {"Request Params Not Valid", http.StatusBadRequest},
	pushsdk.CodeAuthFailed:            {"Authentication Failed", http.StatusForbidden},
	pushsdk.CodeQuotaUsedUp:           {"Quota Use Up Payment Required", http.StatusPaymentRequired},
	pushsdk.CodeNotFound:              {"Data Required Not Found", http.StatusNotFound},
	pushsdk.CodeRequestExpired:        {"Request Time Expires Timeout", http.StatusRequestTimeout},
	pushsdk.CodeChannelTokenTimeout:   {"Channel Token Timeout", http.StatusRequestTimeout},
	pushsdk.CodeBindNotFound:          {"Bind Relation Not Found", http.StatusNotFound},
	pushsdk.CodeBindTooMany:           {"Bind Number Too Many", http.StatusNotFound},
	pushsdk.CodeDuplicateOperation:    {"Duplicate Operation", http.StatusConflict},
	pushsdk.CodeTagNotFound:           {"Tag Not Found", http.StatusNotFound},
	pushsdk.CodeAppForbidden:          {"Application Forbidden, Need Whitelist Authorization", http.StatusUnauthorized},
	pushsdk.CodeAppNotInited:          {"App Need Inited First In Push Console", http.StatusPaymentRequired},
	pushsdk.CodeAppNotApproved:        {"Application Is Not Approved", http.StatusUnauthorized},
	pushsdk.CodeNoBroadcastCapability: {"No Broadcast Push Capability", http.StatusUnauthorized},
	pushsdk.CodeNoUnicastCapability:   {"No Unicast Or Grpcast Push Capability", http.StatusUnauthorized},
	pushsdk.CodeDefaultTagReserved:    {"Default Tag Is Reserved", http.StatusForbidden},
	pushsdk.CodeOnePlatformOnly:       {"One App Could Only Have One Kind Of Device Platform", http.StatusForbidden},
	pushsdk.CodePackageNameInvalid:    {"Package Name Invalid", http.StatusBadRequest},
	pushsdk.CodeTooFrequent:           {"Requests Are Too Frequent", http.StatusPaymentRequired},
	pushsdk.CodeIOSInvalidDeviceToken: {"Invalid iOS Device Token", http.StatusBadRequest},
	pushsdk.CodeIOSInvalidMessage:     {"Invalid iOS Message", http.StatusBadRequest},
	pushsdk.CodeIOSBadDeviceToken:     {"iOS Bad Device Token", http.StatusBadRequest},
	pushsdk.CodeIOSCertificateError:   {"iOS Certification Error", http.StatusBadRequest},
	pushsdk.CodeIOSDuplicateMessage:   {"iOS Duplicate Message", http.StatusBadRequest},
	pushsdk.CodeTimerNotExist:         {"Timer Task Not Exist", http.StatusBadRequest},
	pushsdk.CodeTimerDuplicated:       {"Timer Task Duplicated", http.StatusBadRequest},
	pushsdk.CodeTimerNumExceed:        {"Timer Task Num Exceed", http.StatusBadRequest},
	pushsdk.CodeTimerCannotCancel:     {"Timer Task Will Be Executed, Can Not Be Canceled", http.StatusBadRequest},
	pushsdk.CodeTimerHasBeenExecuted:  {"Timer Task Has Been Executed", http.StatusBadRequest},
}

// lookupCode returns the phrase and status of a code; the iOS certificate
// codes without a phrase of their own and unknown codes get generic ones.
func lookupCode(code int) codeInfo {
	if ci, ok := codes[code]; ok {
		return ci
	}
	if code > pushsdk.CodeIOSDuplicateMessage && code <= iosErrorMax {
		return codeInfo{"iOS Certificate Error", http.StatusBadRequest}
	}
	return codeInfo{"Internal Server Error", http.StatusInternalServerError}
}

// Phrase returns the service's message for an error code, e.g.
// "Tag Not Found" for 30611.
func Phrase(code int) string { return lookupCode(code).phrase }

// HTTPStatus returns the HTTP status the service answers an error code
// with, e.g. 404 for 30611.
func HTTPStatus(code int) int { return lookupCode(code).status }
