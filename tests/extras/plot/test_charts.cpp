#include <catch2/catch.hpp>
#include <fnn/extras/io/image.hpp>
#include <fnn/extras/plot/heat_map.hpp>
#include <fnn/extras/plot/image_grid.hpp>
#include <fnn/extras/plot/line_chart.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "extras/extras_support.hpp"
#include "support/temp_folder.hpp"

using namespace fnn::plot;

namespace {

// Every element opened is closed: no element is left open and the document is one <svg> element.
void check_well_formed(const std::string& svg) {
  REQUIRE(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("</svg>\n") == svg.size() - 7);
  CHECK(fnn::test::count_occurrences(svg, "<text") == fnn::test::count_occurrences(svg, "</text>"));
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
}

std::vector<unsigned char> decode_base64(const std::string& digits) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned char> bytes;
  std::uint32_t bits = 0;
  int held = 0;
  for (char c : digits) {
    if (c == '=') break;
    bits = bits << 6 | static_cast<std::uint32_t>(alphabet.find(c));
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes.push_back(static_cast<unsigned char>(bits >> held & 0xff));
    }
  }
  return bytes;
}

}  // namespace

TEST_CASE("escape_xml leaves no markup in text") {
  CHECK(escape_xml("a<b & \"c\" > 'd'") == "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;");
  SvgCanvas svg(10, 10);
  svg.text(1, 1, "</svg><script>");
  CHECK(svg.str().find("<script>") == std::string::npos);
}

TEST_CASE("nice_ticks steps by 1, 2 or 5 times a power of ten and covers the range") {
  for (const auto& [low, high] : std::vector<std::pair<double, double>>{{0, 1}, {0.27, 0.93}, {-3, 17}, {85, 94.5}}) {
    const std::vector<double> ticks = nice_ticks(low, high);
    REQUIRE(ticks.size() >= 2);
    const double step = ticks[1] - ticks[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    CHECK((std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 5) < 1e-6));
    CHECK(ticks.front() >= low - 1e-9);
    CHECK(ticks.front() - step < low);
    CHECK(ticks.back() <= high + 1e-9);
    CHECK(ticks.back() + step > high);
  }
  CHECK(nice_ticks(3, 3) == std::vector<double>{3});
  CHECK(nice_ticks(1, 3, 8, 1) == std::vector<double>{1, 2, 3});  // whole epochs only
}

TEST_CASE("line_chart draws each series with its points, legend and axes") {
  LineChart chart;
  chart.title = "Loss per epoch";
  chart.x_label = "epoch";
  chart.y_label = "loss";
  chart.series = {{"training", {1, 2, 3}, {0.9, 0.5, 0.4}}, {"test", {1, 2, 3}, {0.8, NAN, 0.45}}};
  const std::string svg = line_chart(chart);
  check_well_formed(svg);
  CHECK(fnn::test::count_occurrences(svg, "<polyline") == 2);
  CHECK(fnn::test::count_occurrences(svg, "<circle") == 5);  // the NaN point is left out
  for (const char* label : {"Loss per epoch", ">epoch<", ">loss<", ">training<", ">test<"}) {
    CHECK(svg.find(label) != std::string::npos);
  }
  chart.series[1].y.pop_back();
  CHECK_THROWS_WITH(line_chart(chart), Catch::Contains("'test' has 3 x values and 2 y values"));
}

TEST_CASE("line_chart of a single point or of nothing still draws finite axes") {
  LineChart one;
  one.series = {{"training", {1}, {2.25}}};
  check_well_formed(line_chart(one));
  LineChart none;
  check_well_formed(line_chart(none));
}

TEST_CASE("heat_map shades each cell by its value and prints it") {
  HeatMap map;
  map.title = "Confusion";
  map.row_labels = {"a", "b"};
  map.column_labels = {"x", "y", "z"};
  map.values = {0, 5, 10, 2, 4, 6};
  const std::string svg = heat_map(map);
  check_well_formed(svg);
  CHECK(fnn::test::count_occurrences(svg, "<rect") == 1 + 6);  // the background and a cell per value
  CHECK(fnn::test::count_occurrences(svg, "fill=\"" + shade(0) + "\"") == 1);
  CHECK(fnn::test::count_occurrences(svg, "fill=\"" + shade(1) + "\"") == 1);
  CHECK(shade(0) == "#ffffff");
  CHECK(svg.find(">10</text>") != std::string::npos);
  map.values.pop_back();
  CHECK_THROWS_WITH(heat_map(map), Catch::Contains("5 values for 2 rows and 3 columns"));
}

TEST_CASE("image_grid embeds each image as a PNG that decodes to its pixels") {
  std::vector<std::uint8_t> first(6 * 4), second(6 * 4);
  for (std::size_t i = 0; i < first.size(); ++i) {
    first[i] = static_cast<std::uint8_t>(10 * i);
    second[i] = static_cast<std::uint8_t>(255 - i);
  }
  ImageGrid grid;
  grid.image_width = 6;
  grid.image_height = 4;
  grid.columns = 1;
  grid.images = {{first.data(), "Coat", false}, {second.data(), "Shirt\n(Coat)", true}};
  const std::string svg = image_grid(grid);
  check_well_formed(svg);
  CHECK(fnn::test::count_occurrences(svg, "<image") == 2);
  CHECK(svg.find(">Shirt</text>") != std::string::npos);
  CHECK(svg.find(">(Coat)</text>") != std::string::npos);
  CHECK(fnn::test::count_occurrences(svg, "stroke=\"#d62728\"") == 1);  // the wrong one is framed

  const std::string prefix = "href=\"data:image/png;base64,";
  const std::size_t start = svg.find(prefix) + prefix.size();
  const std::vector<unsigned char> png = decode_base64(svg.substr(start, svg.find('"', start) - start));
  fnn::test::TempFolder folder;
  std::ofstream(folder.file("first.png"), std::ios::binary).write(reinterpret_cast<const char*>(png.data()),
                                                                   static_cast<std::streamsize>(png.size()));
  const fnn::GrayImage decoded = fnn::read_gray_image(folder.file("first.png"));
  CHECK(decoded.width == 6);
  CHECK(decoded.height == 4);
  CHECK(decoded.pixels == first);

  grid.images[1].pixels = nullptr;
  CHECK_THROWS_WITH(image_grid(grid), Catch::Contains("image 1 has no pixels"));
}
