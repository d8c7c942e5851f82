module github.com/feishu-mock/feishu-mock/tests/go-project/sumtool

go 1.23

require golang.org/x/mod v0.22.0
