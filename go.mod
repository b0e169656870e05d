module github.com/bdpush/pushsdk

go 1.26

require golang.org/x/time v0.16.0

require (
	github.com/stretchr/testify v1.12.1 // indirect
	gopkg.in/ini.v1 v1.68.0 // indirect
)
