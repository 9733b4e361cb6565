package ingest

// Slice produces lines already in memory, for ImportLines: tests and
// generators that build their lines as values rather than as text.
func Slice(lines []map[string]any) func(emit func(map[string]any) error) error {
	return func(emit func(map[string]any) error) error {
		for _, l := range lines {
			if err := emit(l); err != nil {
				return err
			}
		}
		return nil
	}
}
