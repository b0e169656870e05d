// Package browsertest holds the tests of pushtest's web inspector in a real
// browser: headless Chromium (Debian's chromium) driven by
// github.com/chromedp/chromedp. It is a module of its own, so that
// chromedp stays out of every other module. It has no API: run its tests
// with go test; -screenshots DIR keeps the screenshots they take.
package browsertest
