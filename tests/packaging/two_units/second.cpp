#include <fnn/extras.hpp>
#include <iostream>

float first_unit_output();

int main() {
  fnn::Rng rng(1);
  auto model = fnn::models::mlp<float>(rng);
  fnn::Tensor<float> x({1, 1, 28, 28}, 0.5f);
  const float here = model.forward(x)[0];
  std::cout << "same model, two translation units: " << here << " " << first_unit_output() << "\n";
  return here == first_unit_output() ? 0 : 1;
}
