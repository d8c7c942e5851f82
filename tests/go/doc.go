// Package sdk holds `go test` suites that drive feishu-mock only through the official Go
// SDK of the Feishu open platform (github.com/larksuite/oapi-sdk-go/v3, pinned in go.mod),
// each test on its own emulator started by the go/feishumock helper. tests/go_sdk.rs runs
// them under `cargo test`.
package sdk
