// Package projectsdk holds `go test` suites that drive feishu-mock's Feishu Project routes
// only through the typed calls of Feishu Project's official Go SDK
// (github.com/larksuite/project-oapi-sdk-golang v1.0.25, pinned in go.mod), each test on
// its own emulator started by the go/feishumock helper. tests/go_sdk.rs runs them under
// `cargo test`; README.md in this directory says how the SDK is obtained when the Go module
// proxy does not serve it.
package projectsdk
