// Package feishumock runs the feishu-mock emulator of Feishu (Lark) upload APIs for `go test`
// and drives its test control plane (/__mock/...).
//
// Start runs the `feishu-mock` binary ($FEISHU_MOCK_BIN, else the first on PATH) with
// `serve --port 0`, reads the URL from its first stdout line (`feishu-mock listening on
// http://HOST:PORT`), waits until GET /__mock/health answers 200 and stops the process when
// the test ends (t.Cleanup: SIGTERM, then SIGKILL after 5 s). Every wait is bounded: a binary
// that exits, prints something else or stays silent makes Start call t.Fatal with the
// binary's own message (its stderr) within the startup timeout (10 s by default).
//
// With FEISHU_MOCK_URL set (say, an emulator in a container), Start runs nothing: it waits on
// that emulator's health and resets it to its start-up world.
//
//	func TestUpload(t *testing.T) {
//		mock := feishumock.Start(t)
//		client := lark.NewClient(mock.AppID, mock.AppSecret, lark.WithOpenBaseUrl(mock.URL))
//		// ... typed SDK calls ...
//		if got := mock.Requests("drive.media.upload_all", 0); len(got) != 1 { ... }
//	}
//
// The control-plane methods fail the test (t.Fatal) when the emulator refuses a call. A Mock
// belongs to the test that started it; a subtest uses mock.WithT(t).
package feishumock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The default world's credentials (the emulator's embedded specs/world.json).
const (
	// AppID and AppSecret are the self-built app that holds every scope.
	AppID     = "cli_mock"
	AppSecret = "mock-secret"
	// NoScopeAppID (secret AppSecret) is a self-built app that holds no scope: every
	// open-platform endpoint answers it 99991672.
	NoScopeAppID = "cli_mock_noscope"
	// TenantAccessToken is a tenant token of AppID that the world pre-issues; it never expires.
	TenantAccessToken = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
	// UserAccessToken never expires; it is the token of the user UserOpenID.
	UserAccessToken = "u-7f1bcd13fc57d46bac21793a18e560"
	UserOpenID      = "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f"
	// PluginID and PluginSecret are the Feishu Project plugin, bound to ProjectKey; UserKey
	// is a Project user (the X-USER-KEY header).
	PluginID     = "MII_MOCK_PLUGIN"
	PluginSecret = "mock-plugin-secret"
	UserKey      = "7000000000000000001"
	ProjectKey   = "68382b399de4b0ec6c5a0001"
)

// AnyCode passed to Requests matches every Feishu code.
const AnyCode = -1

// DefaultStartupTimeout bounds the wait for the listening line and for health.
const DefaultStartupTimeout = 10 * time.Second

const listening = "feishu-mock listening on "

// Mock is a running emulator and a thin client of its control plane.
type Mock struct {
	// URL is http://HOST:PORT, for lark.WithOpenBaseUrl (and the Project SDK's base URL).
	URL string
	// AppID and AppSecret are the default world's app with every scope.
	AppID, AppSecret string
	// TenantAccessToken, UserAccessToken and UserOpenID are pre-issued in the default world.
	TenantAccessToken, UserAccessToken, UserOpenID string
	// LogPath is the file holding the emulator's stderr (its request log); empty with
	// FEISHU_MOCK_URL.
	LogPath string

	t    testing.TB
	http *http.Client
}

type config struct {
	binary  string
	world   string
	args    []string
	timeout time.Duration
}

// Option changes how Start runs the binary.
type Option func(*config)

// WithArgs adds flags to `feishu-mock serve`, e.g. WithArgs("--no-rate-limits").
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// WithWorld starts the emulator on a world file (the --world format) instead of the
// embedded default world.
func WithWorld(path string) Option { return func(c *config) { c.world = path } }

// WithBinary runs this binary instead of $FEISHU_MOCK_BIN or PATH's feishu-mock.
func WithBinary(path string) Option { return func(c *config) { c.binary = path } }

// WithStartupTimeout bounds the wait for the binary to listen and be healthy (default 10 s).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

func newMock(t testing.TB, u string) *Mock {
	return &Mock{
		URL:               strings.TrimRight(u, "/"),
		AppID:             AppID,
		AppSecret:         AppSecret,
		TenantAccessToken: TenantAccessToken,
		UserAccessToken:   UserAccessToken,
		UserOpenID:        UserOpenID,
		t:                 t,
		http:              &http.Client{Timeout: 30 * time.Second},
	}
}

// Start runs an emulator for this test (or uses $FEISHU_MOCK_URL's, reset) and returns it
// once healthy. It calls t.Fatal, with the binary's own message, when the emulator cannot be
// started or reached within the startup timeout.
func Start(t testing.TB, opts ...Option) *Mock {
	t.Helper()
	cfg := config{timeout: DefaultStartupTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if external := os.Getenv("FEISHU_MOCK_URL"); external != "" {
		m := newMock(t, external)
		if err := waitHealthy(m.http, m.URL, cfg.timeout); err != nil {
			t.Fatalf("FEISHU_MOCK_URL=%s: %v", external, err)
		}
		m.Reset()
		return m
	}
	u, logPath, err := launch(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := newMock(t, u)
	m.LogPath = logPath
	return m
}

// launch starts the process and registers its stop; the error names the command and carries
// the binary's stderr.
func launch(t testing.TB, cfg config) (string, string, error) {
	t.Helper()
	binary := cfg.binary
	if binary == "" {
		binary = os.Getenv("FEISHU_MOCK_BIN")
	}
	if binary == "" {
		found, err := exec.LookPath("feishu-mock")
		if err != nil {
			return "", "", errors.New("feishu-mock binary not found: put it on PATH or set FEISHU_MOCK_BIN")
		}
		binary = found
	}
	args := []string{"serve"}
	given := map[string]bool{}
	for _, a := range cfg.args {
		given[strings.SplitN(a, "=", 2)[0]] = true
	}
	if !given["--host"] {
		args = append(args, "--host", "127.0.0.1")
	}
	if !given["--port"] {
		args = append(args, "--port", "0")
	}
	if cfg.world != "" {
		args = append(args, "--world", cfg.world)
	}
	args = append(args, cfg.args...)
	command := binary + " " + strings.Join(args, " ")

	logPath := filepath.Join(t.TempDir(), "feishu-mock.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", "", err
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdin = nil
	cmd.Stderr = logFile
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return "", "", fmt.Errorf("cannot run %s: %v", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			logFile.Close()
		})
	}
	t.Cleanup(stop)
	fail := func(why string) error {
		stop()
		tail := readTail(logPath, 4000)
		if tail != "" {
			tail = "\n" + tail
		}
		return fmt.Errorf("feishu-mock did not start (%s): %s%s", command, why, tail)
	}

	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		// Nothing more is printed on stdout; drain it so that the process never blocks.
		_, _ = io.Copy(io.Discard, r)
	}()
	deadline := time.Now().Add(cfg.timeout)
	var line string
	select {
	case line = <-lines:
	case <-time.After(cfg.timeout):
		return "", "", fail(fmt.Sprintf("no listening line within %s", cfg.timeout))
	}
	if !strings.HasPrefix(line, listening) {
		// The process closed stdout: it is exiting; its status completes the message.
		select {
		case err := <-exited:
			exited <- err
			return "", "", fail(exitText(err))
		case <-time.After(time.Until(deadline) + time.Second):
			return "", "", fail(fmt.Sprintf("unexpected first line %q", line))
		}
	}
	u := strings.TrimSpace(strings.TrimPrefix(line, listening))
	if err := waitHealthy(&http.Client{Timeout: 2 * time.Second}, u, time.Until(deadline)); err != nil {
		return "", "", fail(err.Error())
	}
	return u, logPath, nil
}

func exitText(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("exited with status %d", exit.ExitCode())
	}
	if err == nil {
		return "exited with status 0"
	}
	return err.Error()
}

func readTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > n {
		_, _ = f.Seek(info.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}

// waitHealthy polls GET /__mock/health every 50 ms until it answers 200, for at most timeout.
func waitHealthy(c *http.Client, u string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for {
		resp, err := c.Get(u + "/__mock/health")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/__mock/health not healthy within %s: %s", u, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WithT returns the same emulator bound to another test (a subtest), whose t.Fatal the
// control-plane methods then call.
func (m *Mock) WithT(t testing.TB) *Mock {
	c := *m
	c.t = t
	return &c
}

// control calls /__mock/<route> and decodes the JSON answer into out (when not nil).
func (m *Mock) control(method, route string, body any, out any) {
	m.t.Helper()
	raw, err := m.controlRaw(method, route, body)
	if err != nil {
		m.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			m.t.Fatalf("%s /__mock/%s: %v in %s", method, route, err, raw)
		}
	}
}

func (m *Mock) controlRaw(method, route string, body any) ([]byte, error) {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.URL+"/__mock/"+route, reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s /__mock/%s: %v", method, route, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s /__mock/%s: %v", method, route, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s /__mock/%s: HTTP %d %s", method, route, resp.StatusCode, raw)
	}
	return raw, nil
}

// Reset brings the emulator back to its start-up world: stored files, records, issued
// tokens, journal, faults and clock are cleared. Tokens that an SDK cached stop working.
func (m *Mock) Reset() {
	m.t.Helper()
	m.control(http.MethodPost, "reset", nil, nil)
}

// Part is one multipart part of a journaled upload (never its bytes).
type Part struct {
	Name        string  `json:"name"`
	Filename    *string `json:"filename"`
	Size        int64   `json:"size"`
	Sha256      string  `json:"sha256"`
	ContentType *string `json:"content_type"`
}

// Request is one entry of the request journal (GET /__mock/requests).
type Request struct {
	TimeMs   int64   `json:"time_ms"`
	Method   string  `json:"method"`
	Path     string  `json:"path"`
	Endpoint string  `json:"endpoint"`
	Caller   *string `json:"caller"`
	Status   int     `json:"status"`
	Code     *int64  `json:"code"`
	LogID    string  `json:"log_id"`
	Parts    []Part  `json:"parts"`
	// MockHeaders are the X-Mock-* headers of the answer, e.g. X-Mock-Attachment-Uuid.
	MockHeaders map[string]string `json:"mock_headers"`
}

// Requests is the journal, oldest first, without control-plane calls: only endpoint's when
// endpoint is not empty (e.g. "drive.media.upload_all"), only answers with Feishu code `code`
// unless code is AnyCode. Every page is read.
func (m *Mock) Requests(endpoint string, code int64) []Request {
	m.t.Helper()
	var all []Request
	token := ""
	for page := 0; page < 10000; page++ {
		q := url.Values{}
		if endpoint != "" {
			q.Set("endpoint", endpoint)
		}
		if code != AnyCode {
			q.Set("code", strconv.FormatInt(code, 10))
		}
		if token != "" {
			q.Set("page_token", token)
		}
		route := "requests"
		if len(q) > 0 {
			route += "?" + q.Encode()
		}
		var out struct {
			Requests  []Request `json:"requests"`
			HasMore   bool      `json:"has_more"`
			PageToken string    `json:"page_token"`
		}
		m.control(http.MethodGet, route, nil, &out)
		for _, r := range out.Requests {
			if r.Endpoint != "admin" {
				all = append(all, r)
			}
		}
		if !out.HasMore || out.PageToken == "" {
			break
		}
		token = out.PageToken
	}
	return all
}

// File is the metadata of one stored file (GET /__mock/files).
type File map[string]any

// Files is the metadata of everything stored, oldest first (first page: up to 1000).
func (m *Mock) Files() []File {
	m.t.Helper()
	var out struct {
		Files []File `json:"files"`
	}
	m.control(http.MethodGet, "files", nil, &out)
	return out.Files
}

// FileBytes is one stored file's bytes.
func (m *Mock) FileBytes(token string) []byte {
	m.t.Helper()
	raw, err := m.controlRaw(http.MethodGet, "files/"+url.PathEscape(token), nil)
	if err != nil {
		m.t.Fatal(err)
	}
	return raw
}

// ErrorHeader is the header that makes one request answer its endpoint's documented error
// `code` (HTTP status and msg as documented), e.g. larkcore.WithHeaders(mock.ErrorHeader(1061045)).
func (m *Mock) ErrorHeader(code int64) http.Header {
	return http.Header{"X-Mock-Error-Code": []string{strconv.FormatInt(code, 10)}}
}

// Fault is a fault rule of POST /__mock/faults; nil members are left out.
type Fault struct {
	Endpoint        string   `json:"endpoint"`
	AppID           *string  `json:"app_id,omitempty"`
	ErrorCode       *int64   `json:"error_code,omitempty"`
	DelayMs         *int64   `json:"delay_ms,omitempty"`
	ResetConnection bool     `json:"reset_connection,omitempty"`
	Times           *int64   `json:"times,omitempty"`
	Probability     *float64 `json:"probability,omitempty"`
}

// AddFault adds a fault rule.
func (m *Mock) AddFault(rule Fault) {
	m.t.Helper()
	m.control(http.MethodPost, "faults", rule, nil)
}

// FailNext makes the next `times` requests to endpoint answer its documented error code.
func (m *Mock) FailNext(endpoint string, code int64, times int64) {
	m.t.Helper()
	m.AddFault(Fault{Endpoint: endpoint, ErrorCode: &code, Times: &times})
}

// ClearFaults removes every fault rule.
func (m *Mock) ClearFaults() {
	m.t.Helper()
	m.control(http.MethodDelete, "faults", nil, nil)
}

// AdvanceClock moves emulator time forward (token expiry, quota windows, link lifetimes) and
// returns the new emulator time in ms since the epoch.
func (m *Mock) AdvanceClock(seconds int64) int64 {
	m.t.Helper()
	var out struct {
		NowMs int64 `json:"now_ms"`
	}
	m.control(http.MethodPost, "clock", map[string]int64{"advance_seconds": seconds}, &out)
	return out.NowMs
}

// NowMs is the emulator time in ms since the epoch.
func (m *Mock) NowMs() int64 {
	m.t.Helper()
	var out struct {
		NowMs int64 `json:"now_ms"`
	}
	m.control(http.MethodGet, "clock", nil, &out)
	return out.NowMs
}

// AddToWorld adds apps, users, tokens, Drive nodes, OKR objects, tasks or Project objects
// (a fragment in the --world format, any value encoding/json marshals) until the next Reset.
func (m *Mock) AddToWorld(fragment any) {
	m.t.Helper()
	m.control(http.MethodPost, "world", fragment, nil)
}

// ProjectAuthCode mints a single-use Feishu Project authorization code of userKey for
// pluginID (POST /__mock/project/auth_code), for the SDK's GetUserPluginToken; it lives 300 s
// of emulator time.
func (m *Mock) ProjectAuthCode(pluginID, userKey string) string {
	m.t.Helper()
	var out struct {
		Code string `json:"code"`
	}
	m.control(http.MethodPost, "project/auth_code", map[string]string{"plugin_id": pluginID, "user_key": userKey}, &out)
	return out.Code
}

// TokenCache is a token cache of one client, for lark.WithTokenCache (oapi-sdk-go v3) and the
// Feishu Project SDK's WithTokenCache: both take this Set/Get shape. The SDKs' default caches
// are process-wide and keyed by app or plugin id, not by base URL, so without one of these a
// token fetched from one test's emulator is sent to the next test's emulator, which never
// issued it. Entries expire by wall time, as in the SDKs' own caches. Safe for concurrent use.
type TokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	value   string
	expires time.Time
}

// NewTokenCache is an empty TokenCache.
func NewTokenCache() *TokenCache { return &TokenCache{m: map[string]cachedToken{}} }

// Set keeps value under key for ttl.
func (c *TokenCache) Set(_ context.Context, key, value string, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedToken{}
	}
	c.m[key] = cachedToken{value, time.Now().Add(ttl)}
	return nil
}

// Get is the live value under key, or "" (the SDKs read "" as a miss).
func (c *TokenCache) Get(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok && time.Now().Before(v.expires) {
		return v.value, nil
	}
	return "", nil
}
