#pragma once
// How many times `what` occurs in `text`, overlapping occurrences too: tests count the lines, elements
// and fields of the text that fnn writes (progress lines, SVG, HTML).
#include <string>

namespace fnn::test {

inline int count_occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace fnn::test
