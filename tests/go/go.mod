module github.com/feishu-mock/feishu-mock/tests/go

go 1.23

require (
	github.com/feishu-mock/feishu-mock/go/feishumock v0.0.0
	github.com/larksuite/oapi-sdk-go/v3 v3.13.0
)

replace github.com/feishu-mock/feishu-mock/go/feishumock => ../../go/feishumock
