package feishumock

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fatalTB records the first Fatal instead of failing the real test; everything else goes to
// the real test (TempDir, Cleanup, Logf).
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatal(args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }

// startExpectingFatal runs Start on a recording TB in its own goroutine (t.Fatal ends that
// goroutine) and returns the message it failed with, and how long it took.
func startExpectingFatal(t *testing.T, opts ...Option) (string, time.Duration) {
	t.Helper()
	rec := &fatalTB{TB: t}
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, opts...)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Start did not return within 30 s")
	}
	return rec.msg, time.Since(began)
}

func needBinary(t *testing.T) {
	t.Helper()
	if os.Getenv("FEISHU_MOCK_URL") != "" {
		t.Skip("FEISHU_MOCK_URL is set: these tests start binaries")
	}
}

func TestStartServesTheControlPlaneAndTheDefaultWorld(t *testing.T) {
	mock := Start(t)
	if !strings.HasPrefix(mock.URL, "http://127.0.0.1:") && os.Getenv("FEISHU_MOCK_URL") == "" {
		t.Fatalf("URL %q", mock.URL)
	}
	// A real call with the pre-issued token, forced to fail through ErrorHeader.
	if status := tmpLinks(t, mock, mock.ErrorHeader(1061002)); status != http.StatusBadRequest {
		t.Fatalf("forced 1061002: HTTP %d", status)
	}
	got := mock.Requests("drive.media.batch_get_tmp_download_url", 1061002)
	if len(got) != 1 || got[0].Status != 400 || got[0].Method != "GET" {
		t.Fatalf("journal: %+v", got)
	}
	if other := mock.Requests("drive.media.batch_get_tmp_download_url", 0); len(other) != 0 {
		t.Fatalf("code filter: %+v", other)
	}
	if all := mock.Requests("", AnyCode); len(all) != 1 {
		t.Fatalf("control-plane calls must be left out: %+v", all)
	}
	before := mock.NowMs()
	if after := mock.AdvanceClock(7200); after-before < 7200*1000 {
		t.Fatalf("clock %d -> %d", before, after)
	}
	mock.Reset()
	if all := mock.Requests("", AnyCode); len(all) != 0 {
		t.Fatalf("after reset: %+v", all)
	}
}

// tmpLinks calls batch_get_tmp_download_url with the pre-issued tenant token and extra headers.
func tmpLinks(t *testing.T, mock *Mock, header http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, mock.URL+"/open-apis/drive/v1/medias/batch_get_tmp_download_url?file_tokens=boxcnX", nil)
	req.Header.Set("Authorization", "Bearer "+mock.TenantAccessToken)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestFailNextFiresOnceThenTheEndpointAnswersAgain(t *testing.T) {
	mock := Start(t)
	mock.FailNext("drive.media.batch_get_tmp_download_url", 1061004, 1)
	if status := tmpLinks(t, mock, nil); status != http.StatusForbidden {
		t.Fatalf("forced 1061004: HTTP %d", status)
	}
	tmpLinks(t, mock, nil)
	if n := len(mock.Requests("drive.media.batch_get_tmp_download_url", 1061004)); n != 1 {
		t.Fatalf("forced answers: %d", n)
	}
	if n := len(mock.Requests("drive.media.batch_get_tmp_download_url", 1061002)); n != 1 {
		t.Fatalf("the unknown token's own answer: %d", n)
	}
}

func TestAddToWorldIsRefusedForAReferenceToNothing(t *testing.T) {
	mock := Start(t)
	mock.AddToWorld(map[string]any{"drive": map[string]any{"nodes": []any{map[string]any{"token": "doxcnGoHelper", "type": "docx"}}}})
	_, err := mock.controlRaw(http.MethodPost, "world", map[string]any{"drive": map[string]any{"nodes": []any{map[string]any{"token": "doxcnGoHelper", "type": "docx"}}}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("the same node twice must be refused, got %v", err)
	}
}

func TestStartFailsWithTheBinarysOwnMessage(t *testing.T) {
	needBinary(t)
	missing := filepath.Join(t.TempDir(), "no-such-world.json")
	msg, took := startExpectingFatal(t, WithWorld(missing))
	if !strings.Contains(msg, "cannot load world") || !strings.Contains(msg, "exited with status 2") {
		t.Fatalf("message: %q", msg)
	}
	if took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestStartFailsForAMissingBinary(t *testing.T) {
	needBinary(t)
	msg, _ := startExpectingFatal(t, WithBinary(filepath.Join(t.TempDir(), "feishu-mock")))
	if !strings.Contains(msg, "cannot run") {
		t.Fatalf("message: %q", msg)
	}
}

func TestStartGivesUpOnASilentBinaryWithinTheTimeout(t *testing.T) {
	needBinary(t)
	script := filepath.Join(t.TempDir(), "silent")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho starting >&2\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	msg, took := startExpectingFatal(t, WithBinary(script), WithStartupTimeout(500*time.Millisecond))
	if !strings.Contains(msg, "no listening line within 500ms") || !strings.Contains(msg, "starting") {
		t.Fatalf("message: %q", msg)
	}
	if took > 10*time.Second {
		t.Fatalf("took %s: the wait is not bounded", took)
	}
}

func TestStartRejectsAnotherFirstLine(t *testing.T) {
	needBinary(t)
	script := filepath.Join(t.TempDir(), "chatty")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\necho bye >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	msg, _ := startExpectingFatal(t, WithBinary(script), WithStartupTimeout(2*time.Second))
	if !strings.Contains(msg, "exited with status 3") || !strings.Contains(msg, "bye") {
		t.Fatalf("message: %q", msg)
	}
}

func TestFeishuMockURLUsesTheRunningEmulatorAndResetsIt(t *testing.T) {
	needBinary(t)
	first := Start(t)
	first.AdvanceClock(60)
	first.FailNext("drive.media.upload_all", 1061045, 1)
	t.Setenv("FEISHU_MOCK_URL", first.URL+"/")
	second := Start(t)
	if second.URL != first.URL || second.LogPath != "" {
		t.Fatalf("second %q %q", second.URL, second.LogPath)
	}
	var faults struct {
		Faults []any `json:"faults"`
	}
	second.control(http.MethodGet, "faults", nil, &faults)
	if len(faults.Faults) != 0 {
		t.Fatalf("not reset: %+v", faults)
	}
}

func TestFeishuMockURLThatDoesNotAnswerFailsWithinTheTimeout(t *testing.T) {
	t.Setenv("FEISHU_MOCK_URL", "http://127.0.0.1:1")
	msg, took := startExpectingFatal(t, WithStartupTimeout(300*time.Millisecond))
	if !strings.Contains(msg, "FEISHU_MOCK_URL=http://127.0.0.1:1") || !strings.Contains(msg, "not healthy within") {
		t.Fatalf("message: %q", msg)
	}
	if took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestTokenCacheKeepsAValueForItsTTLOnly(t *testing.T) {
	c := NewTokenCache()
	ctx := context.Background()
	_ = c.Set(ctx, "k", "t-1", time.Hour)
	_ = c.Set(ctx, "gone", "t-2", -time.Second)
	if v, _ := c.Get(ctx, "k"); v != "t-1" {
		t.Fatalf("k: %q", v)
	}
	if v, _ := c.Get(ctx, "gone"); v != "" {
		t.Fatalf("expired: %q", v)
	}
	if v, _ := c.Get(ctx, "never"); v != "" {
		t.Fatalf("missing: %q", v)
	}
	var zero TokenCache
	_ = zero.Set(ctx, "k", "v", time.Minute)
	if v, _ := zero.Get(ctx, "k"); v != "v" {
		t.Fatalf("zero value: %q", v)
	}
}
