#pragma once
// The fnn tensor file: named tensors with their shapes, a format version and a CRC-32 of the payload.
// Model files are tensor files (docs/design.md gives the layout); the PyTorch parity test writes them
// from Python.
//
//   offset  size  field
//   0       8     magic "FNNTENSR"
//   8       4     format version (1)
//   12      4     number of tensors
//   16      8     payload size in bytes
//   24      4     CRC-32 of the payload (fnn/io/crc32.hpp)
//   28      ...   payload: per tensor: u16 name length, name bytes, u8 dtype (1 float32, 2 float64),
//                 u8 rank (1-4), rank x u64 extents, the elements in row-major order
// All integers and elements are little-endian.

#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "fnn/core/tensor.hpp"
#include "fnn/io/atomic_file.hpp"
#include "fnn/io/crc32.hpp"
#include "fnn/io/input_file.hpp"

namespace fnn {

inline constexpr char tensor_file_magic[8] = {'F', 'N', 'N', 'T', 'E', 'N', 'S', 'R'};
inline constexpr std::uint32_t tensor_file_version = 1;
inline constexpr std::size_t tensor_file_header_size = 28;

template <class Scalar>
struct NamedTensor {
  std::string name;
  Tensor<Scalar> tensor;
};

namespace detail {

inline void check_little_endian() {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  if (first != 1) throw IoError("fnn tensor files are little-endian; this machine is not");
}

template <class T>
void put(std::vector<unsigned char>& out, T value) {
  const auto* p = reinterpret_cast<const unsigned char*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

// Reads little-endian fields from a byte buffer, naming the file and the offset on any overrun.
class ByteReader {
 public:
  ByteReader(const std::string& path, const std::vector<unsigned char>& bytes, std::size_t start)
      : path_(path), bytes_(bytes), at_(start) {}

  template <class T>
  T get(const char* what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  const unsigned char* take(std::size_t n, const char* what) {
    if (n > bytes_.size() - at_) {
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(bytes_.size() - at_) + " left");
    }
    const unsigned char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  std::size_t offset() const { return at_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(path_ + ": byte " + std::to_string(at_) + ": " + what);
  }

 private:
  const std::string& path_;
  const std::vector<unsigned char>& bytes_;
  std::size_t at_;
};

template <class Scalar>
void read_elements(ByteReader& in, std::uint8_t dtype, Tensor<Scalar>& t) {
  const auto n = static_cast<std::size_t>(t.numel());
  if (dtype == 1) {
    const unsigned char* src = in.take(n * sizeof(float), "tensor data");
    for (std::size_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, src + i * sizeof v, sizeof v);
      t[static_cast<Index>(i)] = static_cast<Scalar>(v);
    }
  } else {
    const unsigned char* src = in.take(n * sizeof(double), "tensor data");
    for (std::size_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, src + i * sizeof v, sizeof v);
      t[static_cast<Index>(i)] = static_cast<Scalar>(v);
    }
  }
}

// Reads the payload the header announces after the header already in `bytes`, and no more: a regular
// file's size is checked first, a stream is read up to the announced size and then must end.
inline void read_payload(InputFile& file, std::vector<unsigned char>& bytes, std::uint64_t payload_size) {
  const auto mismatch = [&](const std::string& found) {
    file.fail("the header announces " + std::to_string(payload_size) + " payload bytes, the file has " + found);
  };
  if (const auto size = file.size(); size && *size - tensor_file_header_size != payload_size) {
    mismatch(std::to_string(*size - tensor_file_header_size) + " (truncated or appended to)");
  }
  const std::uint64_t got = file.append(bytes, payload_size);
  if (got < payload_size) mismatch(std::to_string(got) + " (truncated)");
  if (!file.at_end()) mismatch("more (appended to)");
}

}  // namespace detail

// The names and shapes of the tensors whose names start with `prefix`, for a message about a tensor a
// file lacks: "0.weight [8, 4], 0.bias [8]". A long list ends with how many more there are.
template <class Scalar>
std::string describe_tensors(const std::vector<NamedTensor<Scalar>>& tensors, const std::string& prefix = "") {
  constexpr std::size_t most_listed = 32;
  std::string list;
  std::size_t listed = 0, unlisted = 0;
  for (const auto& t : tensors) {
    if (t.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (listed == most_listed) {
      ++unlisted;
      continue;
    }
    list += (listed++ > 0 ? ", " : "") + t.name + " " + t.tensor.shape().str();
  }
  if (listed == 0) return "none";
  return unlisted > 0 ? list + " and " + std::to_string(unlisted) + " more" : list;
}

// Writes the tensors, in order, to `path` atomically (a crash leaves any previous file intact).
template <class Scalar>
void write_tensor_file(const std::string& path, const std::vector<std::pair<std::string, const Tensor<Scalar>*>>& tensors) {
  detail::check_little_endian();
  // One buffer of the file's exact size: the payload goes after room for the header, which is filled in
  // last, so saving a model needs no copy of it beyond this buffer.
  std::size_t size = tensor_file_header_size;
  for (const auto& [name, t] : tensors) {
    size += 4 + name.size() + 8 * static_cast<std::size_t>(t->rank()) +
            static_cast<std::size_t>(t->numel()) * sizeof(Scalar);
  }
  std::vector<unsigned char> file(tensor_file_header_size);
  file.reserve(size);
  for (const auto& [name, t] : tensors) {
    if (name.size() > 0xFFFF) throw ValueError(path + ": tensor name longer than 65535 bytes");
    detail::put<std::uint16_t>(file, static_cast<std::uint16_t>(name.size()));
    file.insert(file.end(), name.begin(), name.end());
    detail::put<std::uint8_t>(file, std::is_same_v<Scalar, float> ? 1 : 2);
    detail::put<std::uint8_t>(file, static_cast<std::uint8_t>(t->rank()));
    for (int a = 0; a < t->rank(); ++a) detail::put<std::uint64_t>(file, static_cast<std::uint64_t>(t->size(a)));
    const auto* p = reinterpret_cast<const unsigned char*>(t->data());
    file.insert(file.end(), p, p + static_cast<std::size_t>(t->numel()) * sizeof(Scalar));
  }
  const std::size_t payload_size = file.size() - tensor_file_header_size;
  std::vector<unsigned char> header(std::begin(tensor_file_magic), std::end(tensor_file_magic));
  detail::put<std::uint32_t>(header, tensor_file_version);
  detail::put<std::uint32_t>(header, static_cast<std::uint32_t>(tensors.size()));
  detail::put<std::uint64_t>(header, payload_size);
  detail::put<std::uint32_t>(header, crc32(file.data() + tensor_file_header_size, payload_size));
  std::copy(header.begin(), header.end(), file.begin());
  write_file_atomically(path, file.data(), file.size());
}

// Reads every tensor of a tensor file, converting the elements to Scalar. Any damage (wrong magic, a
// newer version, truncation, a checksum mismatch, an impossible shape) throws IoError naming the file.
template <class Scalar>
std::vector<NamedTensor<Scalar>> read_tensor_file(const std::string& path) {
  detail::check_little_endian();
  InputFile file(path, path + ": ");
  std::vector<unsigned char> bytes;
  file.append(bytes, tensor_file_header_size);
  detail::ByteReader in(path, bytes, 0);
  if (std::memcmp(in.take(8, "the magic number"), tensor_file_magic, 8) != 0) {
    throw IoError(path + ": not an fnn tensor file (the first 8 bytes are not \"FNNTENSR\")");
  }
  const auto version = in.get<std::uint32_t>("the format version");
  if (version > tensor_file_version) {
    throw IoError(path + ": format version " + std::to_string(version) + " is newer than this fnn reads (" +
                  std::to_string(tensor_file_version) + "); upgrade fnn");
  }
  if (version == 0) in.fail("format version 0 does not exist");
  const auto count = in.get<std::uint32_t>("the tensor count");
  const auto payload_size = in.get<std::uint64_t>("the payload size");
  const auto crc = in.get<std::uint32_t>("the checksum");
  detail::read_payload(file, bytes, payload_size);
  if (crc32(bytes.data() + tensor_file_header_size, payload_size) != crc) {
    throw IoError(path + ": checksum mismatch: the file is damaged");
  }
  std::vector<NamedTensor<Scalar>> tensors;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto name_size = in.get<std::uint16_t>("a tensor name length");
    const auto* name = in.take(name_size, "a tensor name");
    const auto dtype = in.get<std::uint8_t>("a dtype");
    if (dtype != 1 && dtype != 2) in.fail("unknown dtype code " + std::to_string(dtype));
    const auto rank = in.get<std::uint8_t>("a rank");
    if (rank < 1 || rank > Shape::max_rank) in.fail("rank " + std::to_string(rank) + " is outside 1-4");
    Index dims[Shape::max_rank] = {1, 1, 1, 1};
    std::uint64_t numel = 1;
    for (int a = 0; a < rank; ++a) {
      const auto d = in.get<std::uint64_t>("an extent");
      if (d > payload_size) in.fail("extent " + std::to_string(d) + " exceeds the file's size");
      numel *= d;
      if (numel > payload_size) in.fail("the tensor is larger than the file");
      dims[a] = static_cast<Index>(d);
    }
    const Shape shape = rank == 1   ? Shape{dims[0]}
                        : rank == 2 ? Shape{dims[0], dims[1]}
                        : rank == 3 ? Shape{dims[0], dims[1], dims[2]}
                                    : Shape{dims[0], dims[1], dims[2], dims[3]};
    NamedTensor<Scalar> nt{std::string(reinterpret_cast<const char*>(name), name_size), Tensor<Scalar>(shape)};
    detail::read_elements(in, dtype, nt.tensor);
    tensors.push_back(std::move(nt));
  }
  if (in.offset() != bytes.size()) in.fail("unexpected bytes after the last tensor");
  return tensors;
}

}  // namespace fnn
