#pragma once
// TextLines: a text file's lines, read a piece at a time from any byte source with `std::size_t
// append(std::vector<unsigned char>&, n)` (InputFile, GzReader): no more than a piece and one line are held at once. A
// line longer than the reader's limit means another kind of file, or a device that never ends (/dev/zero), and stops
// the reading there.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fnn/core/error.hpp"

namespace fnn::data {

template <class Source>
class TextLines {
 public:
  // `kind` completes the message for too long a line: "not a Fashion-MNIST CSV file".
  TextLines(Source& source, std::string path, std::size_t max_line_bytes, std::string kind)
      : source_(source), path_(std::move(path)), max_line_bytes_(max_line_bytes), kind_(std::move(kind)) {}

  // The next line, without its line end (\n or \r\n), valid until the next call; false at the end.
  bool next(std::string_view& line) {
    for (;;) {
      const auto newline = std::find(buffer_.begin() + static_cast<std::ptrdiff_t>(start_), buffer_.end(), '\n');
      if (newline == buffer_.end() && !ended_) {
        if (buffer_.size() - start_ > max_line_bytes_) {
          throw IoError(path_ + ": line " + std::to_string(number_ + 1) + " is longer than " +
                        std::to_string(max_line_bytes_) + " bytes: " + kind_);
        }
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
        ended_ = source_.append(buffer_, piece_bytes) < piece_bytes;
        continue;
      }
      if (start_ == buffer_.size()) return false;
      const auto stop = static_cast<std::size_t>(newline - buffer_.begin());
      line = std::string_view(reinterpret_cast<const char*>(buffer_.data()) + start_, stop - start_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      start_ = newline == buffer_.end() ? stop : stop + 1;
      ++number_;
      return true;
    }
  }

  // The number of the line next() returned last, counting from 1 as an editor does.
  std::size_t number() const { return number_; }

 private:
  static constexpr std::size_t piece_bytes = std::size_t{1} << 16;
  Source& source_;
  std::string path_;
  std::size_t max_line_bytes_;
  std::string kind_;
  std::vector<unsigned char> buffer_;
  std::size_t start_ = 0, number_ = 0;
  bool ended_ = false;
};

}  // namespace fnn::data
