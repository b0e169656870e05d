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
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goPackage is a package of one of the repository's modules, as go list
// describes it.
type goPackage struct {
	path, dir, name string
}

// repoPackages lists the packages of every module of the repository (each
// directory with a go.mod) and returns them with an importer that reads
// the export data the go command builds for them and all they import.
func repoPackages(t *testing.T) ([]goPackage, types.Importer) {
	t.Helper()
	var mods []string
	require.NoError(t, filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			mods = append(mods, filepath.Dir(p))
		}
		return nil
	}))
	export := map[string]string{}
	var pkgs []goPackage
	for _, mod := range mods {
		cmd := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}\t{{.Dir}}\t{{.Name}}", "./...")
		cmd.Dir = mod
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "go list in %s: %s", mod, stderr.String())
		abs, err := filepath.Abs(mod)
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			export[f[0]] = f[1]
			if strings.HasPrefix(f[0], "github.com/bdpush/pushsdk") && (f[2] == abs || strings.HasPrefix(f[2], abs+string(filepath.Separator))) {
				pkgs = append(pkgs, goPackage{path: f[0], dir: f[2], name: f[3]})
			}
		}
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		if f := export[path]; f != "" {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
	slices.SortFunc(pkgs, func(a, b goPackage) int { return strings.Compare(a.path, b.path) })
	pkgs = slices.CompactFunc(pkgs, func(a, b goPackage) bool { return a.path == b.path })
	return pkgs, imp
}

// docLink is a [Name] link of a doc comment: `[Name]`, `[Name.Sel]`,
// `[pkg.Name]`, `[pkg.Name.Sel]`, each optionally with a leading `*`.
// Markdown-style links ([text](url)) and link definitions ([x]: url) are
// not doc links.
var docLink = regexp.MustCompile(`\[\*?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,2})\]([(:]?)`)

// iniSections are sdk.conf's sections, which comments write in brackets
// as the file does: text, not doc links.
var iniSections = map[string]bool{"SDK": true, "sdk": true, "curl": true}

// TestDocLinksResolve: every [Symbol] doc link in the repository's Go
// files names something that exists — in the package itself, or in a
// package the file imports.
func TestDocLinksResolve(t *testing.T) {
	pkgs, imp := repoPackages(t)
	checked := 0
	for _, p := range pkgs {
		self, err := imp.Import(p.path)
		require.NoError(t, err, p.path)
		names, err := filepath.Glob(filepath.Join(p.dir, "*.go"))
		require.NoError(t, err)
		// go/doc resolves pkg.Name through the imports of any file of
		// the package.
		fset := token.NewFileSet()
		imports := map[string]string{}
		var files []*ast.File
		for _, name := range names {
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
			require.NoError(t, err)
			if f.Name.Name != p.name {
				continue // an external test package
			}
			files = append(files, f)
			for _, is := range f.Imports {
				path := strings.Trim(is.Path.Value, `"`)
				name := path[strings.LastIndex(path, "/")+1:]
				if pkg, err := imp.Import(path); err == nil {
					name = pkg.Name() // github.com/redis/go-redis/v9 is redis
				}
				if is.Name != nil {
					name = is.Name.Name
				}
				imports[name] = path
			}
		}
		for _, f := range files {
			for _, cg := range f.Comments {
				for _, m := range docLink.FindAllStringSubmatch(cg.Text(), -1) {
					if m[2] != "" || iniSections[m[1]] {
						continue
					}
					checked++
					where := fset.Position(cg.Pos())
					assert.True(t, resolves(imp, self, imports, m[1]), "%s:%d: doc link [%s] names nothing", where.Filename, where.Line, m[1])
				}
			}
		}
	}
	assert.Greater(t, checked, 100, "doc links were found and checked")
}

// resolves reports whether a doc link's name exists: Name, Name.Sel,
// pkg.Name or pkg.Name.Sel.
func resolves(imp types.Importer, self *types.Package, imports map[string]string, name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) == 1 && types.Universe.Lookup(parts[0]) != nil {
		return true
	}
	if obj := self.Scope().Lookup(parts[0]); obj != nil {
		return len(parts) == 1 || len(parts) == 2 && hasSel(obj, self, parts[1])
	}
	path, ok := imports[parts[0]]
	if !ok {
		return false
	}
	if pkg, err := imp.Import(path); err == nil && len(parts) > 1 {
		obj := pkg.Scope().Lookup(parts[1])
		return obj != nil && (len(parts) == 2 || hasSel(obj, pkg, parts[2]))
	}
	return false
}

// hasSel reports whether the type obj names has a field or method sel.
func hasSel(obj types.Object, pkg *types.Package, sel string) bool {
	tn, ok := obj.(*types.TypeName)
	if !ok {
		return false
	}
	found, _, _ := types.LookupFieldOrMethod(tn.Type(), true, pkg, sel)
	return found != nil
}

// proseIdent is a code span of README prose that names Go: Name, Name(…),
// x.Name, pkg.Name(…), Type.Method(…), x.Field.
var proseIdent = regexp.MustCompile(`^(?:([a-z][a-z0-9]*)\.)?([A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*)(?:\(.*\))?$`)

// TestReadmeNamesExist: every Go identifier README.md names in its prose
// (outside code blocks) exists: a name of one of the repository's
// packages, or a method or field of one of their types; pkg.Name is looked
// up in that package.
func TestReadmeNamesExist(t *testing.T) {
	pkgs, imp := repoPackages(t)
	known := map[string]bool{} // every exported name, method and field
	byPkg := map[string]*types.Package{}
	for _, p := range pkgs {
		pkg, err := imp.Import(p.path)
		require.NoError(t, err, p.path)
		byPkg[p.name] = pkg
		for _, n := range pkg.Scope().Names() {
			obj := pkg.Scope().Lookup(n)
			if !obj.Exported() {
				continue
			}
			known[n] = true
			if tn, ok := obj.(*types.TypeName); ok {
				for _, sel := range selectors(tn.Type()) {
					known[sel] = true
					known[n+"."+sel] = true
				}
			}
		}
	}
	// Tests, examples and fuzz targets the README points to.
	for _, p := range pkgs {
		tests, err := filepath.Glob(filepath.Join(p.dir, "*_test.go"))
		require.NoError(t, err)
		for _, file := range tests {
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					known[fd.Name.Name] = true
				}
			}
		}
	}
	// Names of the official SDKs of other languages, which the README
	// compares with.
	for _, n := range []string{"PushMsgToSmartTagRequest"} {
		known[n] = true
	}
	std := map[string]string{"errors": "errors", "context": "context", "slog": "log/slog", "http": "net/http", "time": "time",
		"fmt": "fmt", "os": "os", "iter": "iter", "json": "encoding/json"}
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	checked := 0
	inCode := false
	for n, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		for _, span := range codeSpans(line) {
			m := proseIdent.FindStringSubmatch(span)
			if m == nil {
				continue
			}
			qual, name := m[1], m[2]
			var ok bool
			switch pkg, path := byPkg[qual], std[qual]; {
			case pkg != nil:
				ok = lookupIn(pkg, name)
			case path != "":
				p, err := imp.Import(path)
				ok = err == nil && lookupIn(p, name)
			default: // a variable's method or field, or a bare name
				ok = known[name] || known[name[strings.LastIndex(name, ".")+1:]] && qual != ""
			}
			checked++
			assert.True(t, ok, "README.md:%d: `%s` names nothing in the repository's packages", n+1, span)
		}
	}
	assert.Greater(t, checked, 50, "README names were found and checked")
}

// lookupIn reports whether pkg has Name or Name.Sel.
func lookupIn(pkg *types.Package, name string) bool {
	parts := strings.Split(name, ".")
	obj := pkg.Scope().Lookup(parts[0])
	return obj != nil && (len(parts) == 1 || len(parts) == 2 && hasSel(obj, pkg, parts[1]))
}

// selectors are the exported fields and methods of t and *t.
func selectors(t types.Type) []string {
	var out []string
	ms := types.NewMethodSet(types.NewPointer(t))
	for i := range ms.Len() {
		if ms.At(i).Obj().Exported() {
			out = append(out, ms.At(i).Obj().Name())
		}
	}
	if st, ok := t.Underlying().(*types.Struct); ok {
		for i := range st.NumFields() {
			if st.Field(i).Exported() {
				out = append(out, st.Field(i).Name())
			}
		}
	}
	if it, ok := t.Underlying().(*types.Interface); ok {
		for i := range it.NumMethods() {
			out = append(out, it.Method(i).Name())
		}
	}
	return out
}

// codeSpans returns the `code spans` of a line of Markdown.
func codeSpans(line string) []string {
	var out []string
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(line[i+1:], '`')
		if j < 0 {
			return out
		}
		out = append(out, line[i+1:i+1+j])
		line = line[i+j+2:]
	}
}

// TestReadmeNameCheckCatches: the check above fails for the names an
// earlier README used that did not exist.
func TestReadmeNameCheckCatches(t *testing.T) {
	for _, span := range []string{"RejectedChannelIDs()", "res.RejectedChannelIDs()", "pushsdk.FanoutProgress"} {
		m := proseIdent.FindStringSubmatch(span)
		require.NotNil(t, m, span)
	}
	_, imp := repoPackages(t)
	pkg, err := imp.Import("github.com/bdpush/pushsdk")
	require.NoError(t, err)
	assert.False(t, lookupIn(pkg, "FanoutProgress"))
	assert.False(t, lookupIn(pkg, "DeviceResults.RejectedChannelIDs"))
	assert.True(t, lookupIn(pkg, "DeviceResults.FailedChannelIDs"))
	assert.True(t, lookupIn(pkg, "ChannelError.MaybeProcessed"))
	self := pkg
	assert.False(t, resolves(imp, self, nil, "FanoutProgress"))
	assert.True(t, resolves(imp, self, map[string]string{"http": "net/http"}, "http.Client.Timeout"))
	assert.True(t, resolves(imp, self, nil, "Channel.PushToDevices"))
}
