module github.com/feishu-mock/feishu-mock/go/feishumock

go 1.22
