package dev.nizhal.bench.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** A line chart of a few series written as an 800 x 500 PNG, drawn headless (no display needed). */
public final class LinePlot {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    /** Colours told apart on screen and in print, the series' in order (then again from the first). */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4),
        new Color(0xd62728),
        new Color(0x2ca02c),
        new Color(0xff7f0e),
        new Color(0x9467bd),
        new Color(0x8c564b)
    };

    private LinePlot() {}

    /**
     * Writes the chart to {@code png} (its folder is created).
     *
     * @param series each series' points, in the order given (a legend entry each); a point is {@code {x, y}}
     * @param logX a logarithmic x axis (every x must then be positive)
     */
    public static void write(
            Path png, String title, String xLabel, String yLabel, Map<String, List<double[]>> series, boolean logX)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            XYSeries line = new XYSeries(entry.getKey(), false, true);
            for (double[] point : entry.getValue()) {
                if (point.length != 2) {
                    throw new IllegalArgumentException(
                            "a point is {x, y}; " + entry.getKey() + " has one of " + point.length + " values");
                }
                if (logX && point[0] <= 0) {
                    throw new IllegalArgumentException(
                            "a logarithmic x axis needs x > 0; " + entry.getKey() + " has x = " + point[0]);
                }
                line.add(point[0], point[1]);
            }
            data.addSeries(line);
        }
        ValueAxis x;
        if (logX) {
            // ticks at 1, 2, ... 9 times each power of ten, labelled as plain numbers
            LogarithmicAxis log = new LogarithmicAxis(xLabel);
            log.setStrictValuesFlag(true);
            log.setExpTickLabelsFlag(false);
            log.setLog10TickLabelsFlag(false);
            x = log;
        } else {
            NumberAxis linear = new NumberAxis(xLabel);
            linear.setAutoRangeIncludesZero(true);
            x = linear;
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Path folder = png.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
