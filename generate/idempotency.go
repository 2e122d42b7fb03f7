package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// requestHash identifies a submit by what it asks for, as validated: the
// model, the prompts, the normalised parameters, the project, the parent
// and the reference images, by their bytes (a reference sent again as a
// file or URL is stored as a new upload, with the same digest). Two
// spellings of one request (parameter order, defaults written out, unknown
// parameters, blanks around the prompt) hash alike; a retry under the same
// Idempotency-Key must hash like the request it repeats.
func requestHash(g *velro.Generation, references []*velro.Upload) (string, error) {
	digests := make([]string, len(references))
	for i, u := range references {
		digests[i] = u.SHA256
	}
	canonical, err := json.Marshal(struct { // maps marshal with sorted keys
		ModelID        string         `json:"model_id"`
		Prompt         string         `json:"prompt"`
		NegativePrompt string         `json:"negative_prompt"`
		Parameters     map[string]any `json:"parameters"`
		ProjectID      *uuid.UUID     `json:"project_id"`
		ParentID       *uuid.UUID     `json:"parent_generation_id,omitempty"`
		References     []string       `json:"references,omitempty"`
	}{g.ModelID, g.Prompt, g.NegativePrompt, g.Parameters, g.ProjectID, g.ParentGenerationID, digests})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}
