namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// Geometry: a black outline figure with blue number labels (not to scale). Rectangle: width label under the
/// bottom edge, height label left of the left edge, "What is the perimeter?" = 2(w+h). Triangle: a label outside
/// each side, "What is the perimeter?" = a+b+c (sides satisfy the triangle inequality). Angle: labels under the two
/// base vertices, "What is the missing angle?" = 180−α−β (multiples of 5, each angle ≥ 20).
/// Level 1: rectangle, sides 1-9; level 2: rectangle or triangle, sides 2-20; level 3: any of the three.
/// Layout is designed on a 64 px grid and scaled.
/// </summary>
internal static class GeometryFamily
{
    public static SyntheticDraft? TryGenerate(ref SplitMix64 random, int difficulty, int size)
    {
        int figure = random.Next(0, difficulty - 1); // level 1: rectangle; 2: + triangle; 3: + angle
        double s = size / 64.0;
        int labelScale = Math.Max(1, (int)Math.Round(2 * s)),
            line = Math.Max(1, (int)Math.Round(2 * s));
        int maxSide = difficulty == 1 ? 9 : 20,
            minSide = difficulty == 1 ? 1 : 2;
        var canvas = new Canvas(size);
        var texts = new List<SceneText>();
        int P(double design) => (int)Math.Round(design * s);

        void Label(int value, double centreX, double centreY, string role)
        {
            int width = BitmapFont.TextWidth(Digits(value), labelScale),
                height = BitmapFont.TextHeight(labelScale);
            int x = Math.Clamp((int)Math.Round(centreX - (width / 2.0)), 0, size - width);
            int y = Math.Clamp((int)Math.Round(centreY - (height / 2.0)), 0, size - height);
            canvas.DrawNumber(value, x, y, labelScale, Palette.Label);
            texts.Add(new SceneText(value, x, y, labelScale, Palette.Label, role));
        }

        switch (figure)
        {
            case 0:
            {
                int x0 = P(random.Next(16, 20)),
                    x1 = P(random.Next(44, 56)),
                    y0 = P(random.Next(6, 12)),
                    y1 = P(random.Next(34, 42));
                canvas.DrawLine(x0, y0, x1, y0, line, Palette.Ink);
                canvas.DrawLine(x1, y0, x1, y1, line, Palette.Ink);
                canvas.DrawLine(x1, y1, x0, y1, line, Palette.Ink);
                canvas.DrawLine(x0, y1, x0, y0, line, Palette.Ink);
                int width = random.Next(minSide, maxSide),
                    height = random.Next(minSide, maxSide);
                Label(width, (x0 + x1) / 2.0, y1 + P(9), "width");
                Label(height, x0 - P(9), (y0 + y1) / 2.0, "height");
                return Draft("rectangle", "What is the perimeter?", 2 * (width + height));
            }
            case 1:
            {
                var (ax, ay, bx, by, cx, cy) = Triangle(ref random, P);
                int a = random.Next(minSide, maxSide),
                    b = random.Next(minSide, maxSide);
                int c = random.Next(Math.Max(minSide, Math.Abs(a - b) + 1), Math.Min(maxSide, a + b - 1));
                Label(a, (ax + bx) / 2.0, ay + P(9), "side");
                LabelOutside(b, ax, ay, cx, cy, bx, by, P(10), "side");
                LabelOutside(c, bx, by, cx, cy, ax, ay, P(10), "side");
                return Draft("triangle", "What is the perimeter?", a + b + c);
            }
            default:
            {
                var (ax, ay, bx, _, _, _) = Triangle(ref random, P);
                int alpha = 5 * random.Next(4, 16),
                    beta = 5 * random.Next(4, 32 - (alpha / 5));
                Label(alpha, ax, ay + P(9), "angle");
                Label(beta, bx, ay + P(9), "angle");
                return Draft("angle", "What is the missing angle?", 180 - alpha - beta);
            }
        }

        void LabelOutside(
            int value,
            int fromX,
            int fromY,
            int toX,
            int toY,
            int oppositeX,
            int oppositeY,
            int offset,
            string role
        )
        {
            // Centre = side midpoint + offset along the side normal that points away from the opposite vertex.
            double midX = (fromX + toX) / 2.0,
                midY = (fromY + toY) / 2.0,
                dx = toX - fromX,
                dy = toY - fromY;
            double length = Math.Sqrt((dx * dx) + (dy * dy));
            double normalX = dy / length,
                normalY = -dx / length;
            if ((normalX * (oppositeX - midX)) + (normalY * (oppositeY - midY)) > 0)
                (normalX, normalY) = (-normalX, -normalY);
            Label(value, midX + (offset * normalX), midY + (offset * normalY), role);
        }

        (int, int, int, int, int, int) Triangle(ref SplitMix64 random, Func<double, int> p)
        {
            int ax = p(random.Next(8, 12)),
                bx = p(random.Next(52, 56)),
                baseY = p(random.Next(44, 48));
            int cx = p(random.Next(26, 38)),
                cy = p(random.Next(8, 14));
            canvas.DrawLine(ax, baseY, bx, baseY, line, Palette.Ink);
            canvas.DrawLine(bx, baseY, cx, cy, line, Palette.Ink);
            canvas.DrawLine(cx, cy, ax, baseY, line, Palette.Ink);
            return (ax, baseY, bx, baseY, cx, cy);
        }

        SyntheticDraft Draft(string kind, string question, int answer) =>
            new(SyntheticFamily.Geometry, question, answer, canvas.ToImage(), new SyntheticScene(kind, [], texts));
    }

    private static int Digits(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
}
