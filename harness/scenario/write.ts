/** Scenario objects as YAML a person can read: lists of plain values on one line (`links: [[n1, n2], [n2, n3]]`). */
import { Document, isScalar, isSeq, visit } from "yaml";

export function scenarioYaml(scenario: Record<string, unknown>): string {
  const doc = new Document(scenario);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item) || (isSeq(item) && item.items.every(isScalar)))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
