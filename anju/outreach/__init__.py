"""What the authority and the communities tell tenants and ask them: notices and
policy explainers (公告, 政策宣传), community activities (社区活动) and satisfaction
surveys (满意度调查)."""
