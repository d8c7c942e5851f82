module github.com/feishu-mock/feishu-mock/tests/go-project

go 1.23

require (
	github.com/feishu-mock/feishu-mock/go/feishumock v0.0.0
	github.com/larksuite/project-oapi-sdk-golang v1.0.25
)

replace github.com/feishu-mock/feishu-mock/go/feishumock => ../../go/feishumock
