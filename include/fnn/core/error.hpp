#pragma once
// Every failure fnn reports is an fnn::Error, so one catch clause handles them all.
#include <stdexcept>
#include <string>

namespace fnn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor of the wrong shape reached an operation.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written, or its contents are damaged.
class IoError : public Error {
 public:
  using Error::Error;
};

// A value outside its allowed range: a label of 11, a dropout probability of 2.
class ValueError : public Error {
 public:
  using Error::Error;
};

// The API was called in an order that cannot work (backward before forward).
class UsageError : public Error {
 public:
  using Error::Error;
};

// A NaN or an infinity appeared in a loss, an activation or a gradient: training has diverged.
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace fnn
