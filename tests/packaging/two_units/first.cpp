// Two translation units that both include <fnn/fnn.hpp> must link into one program: every function
// defined in a header is inline or a template.
#include <fnn/extras.hpp>

float first_unit_output() {
  fnn::Rng rng(1);
  auto model = fnn::models::mlp<float>(rng);
  fnn::Tensor<float> x({1, 1, 28, 28}, 0.5f);
  return model.forward(x)[0];
}
