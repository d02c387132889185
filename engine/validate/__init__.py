"""Validation: the validator that runs policies over workloads (validator), the typed report
model every formatter, the app and the store read (report), custom-lens reviews a workload
carries (reviews), the policy test harness that runs each policy's cases file as validations
(cases), and, where present, the improvement plan (plan).

Modules: cases, plan, report, reviews, validator.

May import: interop, policies, workload, shacl, lens and the core. The report model imports
only the lens and the core (and the review result type, for type checking).
"""
