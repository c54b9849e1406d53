// Post-processors of tokenizer.json ("post_processor"): TemplateProcessing,
// BertProcessing, RobertaProcessing, ByteLevel (offset trimming) and Sequence. They add
// the special tokens around one sequence or a pair and set token_type_ids. Immutable
// after construction; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/encoding.h"
#include "tokenizer/json_fields.h"

namespace hfserve::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many special tokens process() adds for one sequence or a pair.
  virtual std::size_t added_tokens(bool pair) const = 0;
  // `encodings` holds one sequence or a pair; the result is concatenated by the caller.
  virtual std::vector<Encoding> process(std::vector<Encoding> encodings,
                                        bool add_special_tokens) const = 0;
};

std::unique_ptr<PostProcessor> make_post_processor(const json::Json& config,
                                                   const std::string& where);

// Moves offsets off the leading/trailing spaces of byte-level tokens ("Ġ"), as HF's
// ByteLevel trim_offsets does.
void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space);

}  // namespace hfserve::tokenizer
