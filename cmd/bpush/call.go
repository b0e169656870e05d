package main

import (
	"context"
	"io"

	"github.com/bdpush/pushsdk"
	"github.com/spf13/cobra"
)

// call runs a command that makes one call and prints its result: with
// --json the SDK's result as it marshals (the service's field names), else
// the table.
func call[T any](a *app, cmd *cobra.Command, do func(ctx context.Context, c *pushsdk.Channel) (*T, error), table func(w io.Writer, res *T)) error {
	c, err := a.channel()
	if err != nil {
		return err
	}
	ctx, cancel := a.ctx(cmd)
	defer cancel()
	res, err := do(ctx, c)
	if err != nil {
		return fail(err)
	}
	return fail(a.emit(res, func(w io.Writer) { table(w, res) }))
}

// collect runs a command that reads a whole list through an iterator.
func collect[T any](a *app, cmd *cobra.Command, seq func(ctx context.Context, c *pushsdk.Channel) func(yield func(T, error) bool)) ([]T, error) {
	c, err := a.channel()
	if err != nil {
		return nil, err
	}
	ctx, cancel := a.ctx(cmd)
	defer cancel()
	out := []T{}
	for item, err := range seq(ctx, c) {
		if err != nil {
			return nil, fail(err)
		}
		out = append(out, item)
	}
	return out, nil
}

// group is a command that only holds subcommands.
func group(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Example: example, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	cmd.AddCommand(subs...)
	return cmd
}
