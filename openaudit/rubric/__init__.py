"""openaudit.rubric"""
