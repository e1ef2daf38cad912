/** One rendered plot of a report: a named PNG with its caption and where the HTML page places it. */
export interface Plot {
  /** File name under plots/. */
  file: string;
  caption: string;
  /** Dataset label, or null for plots across datasets. */
  dataset: string | null;
  /** Confusion matrices sit two to a row in the HTML; everything else is full width. */
  pair?: boolean;
  /** Shown in the dataset's distribution-shift section. */
  shifts?: boolean;
  png: Buffer;
}
