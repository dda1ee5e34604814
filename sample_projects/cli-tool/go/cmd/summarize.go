package cmd

import (
	"github.com/spf13/cobra"

	"example.com/cli-tool/internal/output"
	"example.com/cli-tool/internal/records"
)

func newSummarizeCmd() *cobra.Command {
	var input string
	var top int
	var pretty bool
	cmd := &cobra.Command{
		Use:   "summarize",
		Short: "Print statistics about the records as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if top < 0 {
				return usageErrorf("--top must not be negative")
			}
			recs, err := records.Load(input, cmd.InOrStdin())
			if err != nil {
				return err
			}
			summary, err := records.Summarize(recs, top)
			if err != nil {
				return err
			}
			return output.Print(cmd.OutOrStdout(), summary, pretty)
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "-", "JSON file to read (- for stdin)")
	cmd.Flags().IntVar(&top, "top", 3, "how many of the most frequent tags to list (0 for all)")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent the JSON output")
	return cmd
}
