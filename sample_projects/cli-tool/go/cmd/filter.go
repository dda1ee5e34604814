package cmd

import (
	"strconv"

	"github.com/spf13/cobra"

	"example.com/cli-tool/internal/output"
	"example.com/cli-tool/internal/records"
)

func newFilterCmd() *cobra.Command {
	var input, minValue, maxValue string
	var criteria records.Criteria
	var pretty bool
	cmd := &cobra.Command{
		Use:   "filter",
		Short: "Print the records that match every given criterion, as a JSON array",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if criteria.Min, err = optionalInt("min", minValue, cmd.Flags().Changed("min")); err != nil {
				return err
			}
			if criteria.Max, err = optionalInt("max", maxValue, cmd.Flags().Changed("max")); err != nil {
				return err
			}
			recs, err := records.Load(input, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return output.Print(cmd.OutOrStdout(), records.Filter(recs, criteria), pretty)
		},
	}
	flags := cmd.Flags()
	flags.StringVarP(&input, "input", "i", "-", "JSON file to read (- for stdin)")
	flags.StringVarP(&criteria.Category, "category", "c", "", "keep records in this category")
	flags.StringVarP(&criteria.Tag, "tag", "t", "", "keep records with this tag")
	flags.StringVar(&minValue, "min", "", "keep records with value >= N")
	flags.StringVar(&maxValue, "max", "", "keep records with value <= N")
	flags.BoolVar(&pretty, "pretty", false, "indent the JSON output")
	return cmd
}

// optionalInt parses a decimal flag value, or returns nil when the flag was not given.
func optionalInt(name, value string, given bool) (*int64, error) {
	if !given {
		return nil, nil
	}
	v, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return nil, usageErrorf("invalid value %q for --%s: not a 64-bit integer", value, name)
	}
	return &v, nil
}
