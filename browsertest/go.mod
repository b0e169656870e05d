module github.com/bdpush/pushsdk/browsertest

go 1.26.0

require (
	github.com/bdpush/pushsdk v1.1.0
	github.com/chromedp/cdproto v0.160.1
	github.com/chromedp/chromedp v0.23.1
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/time v0.16.0 // indirect
	gopkg.in/ini.v1 v1.68.0 // indirect
)

replace github.com/bdpush/pushsdk => ../
