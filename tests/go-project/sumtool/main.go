// Command sumtool prints the two go.sum lines of a module version computed from its git
// tag, as the Go module proxy and the checksum database would compute them, for a module the
// proxy does not serve (tests/go-project/README.md):
//
//	go run . <git repository> <module path> <version>
//
// The module zip is built from the tag with golang.org/x/mod/zip.CreateFromVCS (the files
// `git archive` gives, filtered by the module zip rules) and hashed with dirhash.HashZip; the
// go.mod line hashes the tag's go.mod alone (dirhash.Hash1 over the single file "go.mod"),
// as cmd/go's modfetch does. The repository may be bare (a fetch mirror): it is cloned first.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: sumtool <git repository> <module path> <version>")
		os.Exit(2)
	}
	repo, path, version := os.Args[1], os.Args[2], os.Args[3]
	if err := run(repo, path, version); err != nil {
		fmt.Fprintln(os.Stderr, "sumtool:", err)
		os.Exit(1)
	}
}

func run(repo, path, version string) error {
	repo, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	m := module.Version{Path: path, Version: version}
	if err := module.Check(path, version); err != nil {
		return err
	}
	// CreateFromVCS wants a work tree's .git; a bare repository is cloned (no checkout).
	if _, err := os.Stat(filepath.Join(repo, ".git")); err != nil {
		clone, err := os.MkdirTemp("", "sumtool-clone-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(clone)
		if out, err := exec.Command("git", "clone", "--quiet", "--no-checkout", repo, clone).CombinedOutput(); err != nil {
			return fmt.Errorf("git clone %s: %v: %s", repo, err, out)
		}
		repo = clone
	}
	tmp, err := os.CreateTemp("", "sumtool-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := zip.CreateFromVCS(tmp, m, repo, version, ""); err != nil {
		tmp.Close()
		return fmt.Errorf("module zip of %s@%s from %s: %w", path, version, repo, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	zipSum, err := dirhash.HashZip(tmp.Name(), dirhash.Hash1)
	if err != nil {
		return err
	}
	goMod, err := exec.Command("git", "-C", repo, "show", version+":go.mod").Output()
	if err != nil {
		return fmt.Errorf("go.mod at %s: %w", version, err)
	}
	if !strings.Contains(string(goMod), "module "+path) {
		return fmt.Errorf("go.mod at %s is not module %s", version, path)
	}
	modSum, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(goMod)), nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s %s %s\n%s %s/go.mod %s\n", path, version, zipSum, path, version, modSum)
	return nil
}
