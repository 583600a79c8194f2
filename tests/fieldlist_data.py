"""program_cycle with one more step that has its own field list (no code), for tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CYCLE = (ROOT / "workflows/program_cycle.bpmn").read_text()
SIMPUL_NS = 'xmlns:simpul="https://simpul.id/schema/bpmn/1.0"'

PARTNER_FIELDS = """
        <simpul:fields>
          <simpul:field name="partner_name" label="Nama mitra" type="text" required="true"
                        help="Sesuai surat kerja sama" />
          <simpul:field name="partner_kind" label="Jenis mitra" type="choice" required="true">
            <simpul:choice value="lsm" label="LSM" />
            <simpul:choice value="dinas" label="Dinas" />
          </simpul:field>
          <simpul:field name="mou_signed" label="MoU ditandatangani" type="yesno" required="true" />
          <simpul:field name="contribution" label="Kontribusi mitra" type="money" />
          <simpul:field name="areas" label="Wilayah kerja" type="multichoice">
            <simpul:choice value="tulungrejo" label="Tulungrejo" />
            <simpul:choice value="kedungsalam" label="Kedungsalam" />
          </simpul:field>
          <simpul:field name="mou_file" label="Berkas MoU" type="file" />
        </simpul:fields>"""


def with_partner_step(fields: str = PARTNER_FIELDS, xml: str = CYCLE) -> str:
    """Insert "Konfirmasi Mitra" (Koordinator lane) between plan approval and execution."""
    step = f"""
    <bpmn:userTask id="confirm_partner" name="Konfirmasi Mitra">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="phase" value="planning" />
        </spiffworkflow:properties>{fields}
      </bpmn:extensionElements>
      <bpmn:incoming>flow_plan_approved</bpmn:incoming>
      <bpmn:outgoing>flow_partner_confirmed</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_partner_confirmed" sourceRef="confirm_partner"
                       targetRef="init_rounds" />
    <bpmn:scriptTask id="init_rounds\""""
    out = xml.replace('xmlns:spiffworkflow=', f'{SIMPUL_NS} xmlns:spiffworkflow=', 1)
    out = out.replace('<bpmn:flowNodeRef>init_rounds</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>confirm_partner</bpmn:flowNodeRef>\n'
                      '        <bpmn:flowNodeRef>init_rounds</bpmn:flowNodeRef>', 1)
    out = out.replace('sourceRef="plan_decision" targetRef="init_rounds"',
                      'sourceRef="plan_decision" targetRef="confirm_partner"', 1)
    out = out.replace('<bpmn:incoming>flow_plan_approved</bpmn:incoming>',
                      '<bpmn:incoming>flow_partner_confirmed</bpmn:incoming>', 1)
    out = out.replace('\n    <bpmn:scriptTask id="init_rounds"', step, 1)
    assert out.count("confirm_partner") >= 4
    return out
