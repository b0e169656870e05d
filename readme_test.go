package pushsdk_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A README snippet is a region of a test file between a "// README: name"
// line and a "// README: end" line; README.md shows it in a ```go block
// right after a "<!-- README: name -->" line.
var (
	regionStart = regexp.MustCompile(`^\s*// README: ([a-z0-9-]+)\s*$`)
	regionEnd   = regexp.MustCompile(`^\s*// README: end\s*$`)
	blockMarker = regexp.MustCompile(`^<!-- README: ([a-z0-9-]+) -->$`)
)

// snippetSources are the files README snippets are taken from.
var snippetSources = []string{"*_test.go", "pushtest/*_test.go", "examples/*/*.go", "pushredis/*_test.go", "pushotel/*_test.go"}

type region struct {
	where string // file:line of the start marker
	text  string // the lines between the markers, one indentation level removed
}

// snippetRegions reads every README region of the source files.
func snippetRegions(t *testing.T) map[string]region {
	t.Helper()
	out := map[string]region{}
	for _, glob := range snippetSources {
		files, err := filepath.Glob(glob)
		require.NoError(t, err)
		for _, file := range files {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			name, start := "", 0
			var lines []string
			all := strings.Split(string(data), "\n")
			for i, line := range all {
				switch m := regionStart.FindStringSubmatch(line); {
				case regionEnd.MatchString(line):
					// "// README: end" right above "// Output:" would make one
					// comment group of them, and go test would not run the example.
					require.False(t, i+1 < len(all) && strings.HasPrefix(strings.TrimSpace(all[i+1]), "//"),
						"%s:%d: leave a blank line after README: end", file, i+1)
					require.NotEmpty(t, name, "%s:%d: README: end without a start", file, i+1)
					where := fmt.Sprintf("%s:%d", file, start)
					_, dup := out[name]
					require.False(t, dup, "%s: a second README region %q", where, name)
					out[name] = region{where: where, text: dedent(t, where, lines)}
					name, lines = "", nil
				case m != nil:
					require.Empty(t, name, "%s:%d: README region %q starts inside %q", file, i+1, m[1], name)
					name, start = m[1], i+1
				case name != "":
					lines = append(lines, line)
				}
			}
			require.Empty(t, name, "%s: README region %q has no end", file, name)
		}
	}
	return out
}

// dedent removes the indentation of the region's first line from all of
// them, and blank lines at either end.
func dedent(t *testing.T, where string, lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	require.NotEmpty(t, lines, "%s: an empty README region", where)
	indent := lines[0][:len(lines[0])-len(strings.TrimLeft(lines[0], "\t"))]
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		require.True(t, strings.HasPrefix(l, indent), "%s: line %d of the region is indented less than its first", where, i+1)
		out[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(out, "\n")
}

type readmeBlock struct {
	name       string
	line       int // README.md line of the ```go fence
	start, end int // the block's text is lines[start:end]
}

// goBlocks finds README.md's ```go blocks and the marker before each.
func goBlocks(t *testing.T, lines []string) []readmeBlock {
	t.Helper()
	var out []readmeBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```go" {
			continue
		}
		var m []string
		if i > 0 {
			m = blockMarker.FindStringSubmatch(lines[i-1])
		}
		require.NotNil(t, m, "README.md:%d: a go block without a <!-- README: name --> line before it: every Go snippet comes from code that the tests run", i+1)
		end := slices.Index(lines[i+1:], "```")
		require.GreaterOrEqual(t, end, 0, "README.md:%d: the go block does not end", i+1)
		out = append(out, readmeBlock{name: m[1], line: i + 1, start: i + 1, end: i + 1 + end})
		i += end + 1
	}
	return out
}

// TestReadmeSnippets checks that every Go snippet of README.md is, word for
// word, a region of code that the tests compile and run, and that it
// compiles on its own as a reader would paste it (no "declared and not
// used"). Run with -update-readme to copy the regions into README.md.
func TestReadmeSnippets(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	regions := snippetRegions(t)
	blocks := goBlocks(t, lines)
	require.NotEmpty(t, blocks)

	shown := map[string]bool{}
	for i := len(blocks) - 1; i >= 0; i-- { // from the end, so that rewriting keeps the earlier indices
		b := blocks[i]
		r, ok := regions[b.name]
		if !assert.True(t, ok, "README.md:%d: no region %q in %v", b.line, b.name, snippetSources) {
			continue
		}
		shown[b.name] = true
		got := strings.Join(lines[b.start:b.end], "\n")
		if *updateReadme {
			lines = slices.Replace(lines, b.start, b.end, strings.Split(r.text, "\n")...)
			continue
		}
		assert.Equal(t, r.text, got, "README.md:%d differs from its source %s; run go test -run TestReadmeSnippets -update-readme", b.line, r.where)
	}
	for name, r := range regions {
		assert.True(t, shown[name], "%s: region %q is shown nowhere in README.md", r.where, name)
	}
	if *updateReadme {
		require.NoError(t, os.WriteFile("README.md", []byte(strings.Join(lines, "\n")), 0o644))
		return
	}

	checkCompiles(t, lines, blocks)
}

// snippetFrame is what README's snippets take as given: the packages they
// use, a ctx and the Channels they call.
const snippetFrame = `package snippet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/bdpush/pushsdk"
	"github.com/bdpush/pushsdk/pushotel"
	"github.com/bdpush/pushsdk/pushredis"
	"github.com/bdpush/pushsdk/pushtest"
	"github.com/redis/go-redis/v9"
)

var (
	ctx                     context.Context
	c                       *pushsdk.Channel
	android, ios            *pushsdk.Channel
	rdb                     redis.UniversalClient
	apiKey, secretKey, host string
	ids                     []string
)

`

// checkCompiles asserts that each README block compiles as it stands.
func checkCompiles(t *testing.T, lines []string, blocks []readmeBlock) {
	imp := snippetImporter(t)
	for _, b := range blocks {
		problems := compileProblems(imp, fmt.Sprintf("README.md:%d", b.line), strings.Join(lines[b.start:b.end], "\n"))
		assert.Empty(t, problems, "README.md:%d (%s) does not compile as it stands", b.line, b.name)
	}
}

// snippetImporter imports the frame's packages from the export data the go
// command builds for them.
func snippetImporter(t *testing.T) types.Importer {
	t.Helper()
	imports := []string{"context", "errors", "fmt", "log", "log/slog", "net/url", "os", "testing", "time",
		"github.com/bdpush/pushsdk", "github.com/bdpush/pushsdk/pushtest", "github.com/bdpush/pushsdk/pushredis", "github.com/redis/go-redis/v9",
		"github.com/bdpush/pushsdk/pushotel"}
	cmd := exec.Command("go", append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, imports...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -export: %s", stderr.String())
	export := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "\t"); ok && file != "" {
			export[path] = file
		}
	}
	return importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		if f, ok := export[path]; ok {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
}

// compileProblems type-checks a block in the frame: a block of
// declarations at package level, a block of statements as the body of a
// function returning an error. It returns the compiler's complaints.
func compileProblems(imp types.Importer, name, text string) []string {
	src := snippetFrame + "func _() error {\n" + text + "\nreturn nil\n}\n"
	if declarations(text) {
		src = snippetFrame + text + "\n"
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	conf := types.Config{Importer: imp, Error: func(err error) {
		if !strings.Contains(err.Error(), "imported and not used") { // the frame imports more than a block uses
			problems = append(problems, err.Error())
		}
	}}
	_, _ = conf.Check("snippet", fset, []*ast.File{file}, nil)
	return problems
}

// TestSnippetCheckCatchesWhatReadersHit checks the checker with snippets
// that an earlier README showed and that did not compile when pasted.
func TestSnippetCheckCatchesWhatReadersHit(t *testing.T) {
	imp := snippetImporter(t)
	for name, text := range map[string]string{
		"declared and not used": "srv := pushtest.NewServer()\ndefer srv.Close()\nc, _ := srv.NewChannel()\nres, _ := c.PushMsgToSingleDevice(ctx, \"1\", \"hi\", nil)",
		"removed API":           "msg, err := pushsdk.IOSNotification{AlertBody: \"hi\"}.MsgLimit(4096).Msg()\n_, _ = msg, err",
		"wrong type":            "_, err := c.PushMsgToAll(ctx, 42, nil)\nreturn err",
		"undefined name":        "return c.Push(ctx, msg)",
	} {
		assert.NotEmpty(t, compileProblems(imp, name, text), name)
	}
	assert.Empty(t, compileProblems(imp, "fine", "_, err := c.PushMsgToAll(ctx, \"hi\", nil)\nreturn err"))
	assert.Empty(t, compileProblems(imp, "fine", "// f does nothing.\nfunc f() {}"))
}

// declarations reports whether a block holds package-level declarations:
// its first line that is not a comment starts one.
func declarations(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		return strings.HasPrefix(l, "func ") || strings.HasPrefix(l, "type ") || strings.HasPrefix(l, "var ")
	}
	return false
}

// TestChangelogMatchesVersion: the newest release in CHANGELOG.md is
// pushsdk.Version, which the User-Agent carries.
func TestChangelogMatchesVersion(t *testing.T) {
	data, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	releases := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$`).FindAllStringSubmatch(string(data), -1)
	require.NotEmpty(t, releases, "CHANGELOG.md has no release headings (## [x.y.z] - yyyy-mm-dd)")
	assert.Equal(t, pushsdk.Version, releases[0][1], "the newest release in CHANGELOG.md")
	assert.Contains(t, string(data), "["+pushsdk.Version+"]: ", "a link for the release")

	srv := pushtest.NewServer()
	defer srv.Close()
	c, err := srv.NewChannel()
	require.NoError(t, err)
	_, err = c.QueryTags(t.Context(), nil)
	require.NoError(t, err)
	assert.Contains(t, srv.Requests()[0].UserAgent, "(Baidu Push Server SDK for Go v"+pushsdk.Version+")")
}

// TestReadmeEndpointTable: README's "How it is built" lists every endpoint
// once, under the kind the pipeline treats it as.
func TestReadmeEndpointTable(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	listed := map[string]bool{}
	for _, kind := range []string{"query", "push", "change"} {
		row := regexp.MustCompile(`(?m)^\| ` + kind + ` \| (.*) \| .* \|$`).FindStringSubmatch(string(data))
		require.NotNil(t, row, "README.md has no %q row", kind)
		for _, m := range regexp.MustCompile("`([a-z_]+/[a-z_]+)`").FindAllStringSubmatch(row[1], -1) {
			_, dup := listed[m[1]]
			assert.False(t, dup, "%s listed twice", m[1])
			listed[m[1]] = kind == "query"
		}
	}
	assert.Equal(t, pushsdk.EndpointsForTest(), listed)
}
